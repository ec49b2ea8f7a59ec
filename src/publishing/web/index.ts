// The publishing module's HTTP adapter, mounted by the composition root (src/app).
export { createPublishingApiRouter } from './api';
