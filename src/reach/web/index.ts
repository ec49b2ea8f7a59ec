// The reach module's HTTP adapter, mounted by the composition root (src/app).
export { createReachRouter } from './routes';
