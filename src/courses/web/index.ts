// The courses module's HTTP adapter, mounted by the composition root (src/app).
export { createCoursesApiRouter } from './api';
