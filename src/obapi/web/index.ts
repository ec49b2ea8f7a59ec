// The obapi module's HTTP adapter, mounted by the composition root (src/app).
export { createObApiRouter } from './router';
