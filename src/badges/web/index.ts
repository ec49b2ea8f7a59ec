// The badges module's HTTP adapter, mounted by the composition root (src/app).
export { createBadgesApiRouter } from './api';
export { createPublicBadgesRouter } from './public';
