// The credentials module's HTTP adapter, mounted by the composition root (src/app).
export { createCredentialsRouter } from './router';
