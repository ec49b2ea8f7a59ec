// The wallets module's HTTP adapter, mounted by the composition root (src/app).
export { createWalletsRouter } from './router';
