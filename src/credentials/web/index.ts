// The credentials module's HTTP adapter, mounted by the composition root (src/app).
export { createCredentialsRouter, type CredentialsRouterOptions } from './router';
