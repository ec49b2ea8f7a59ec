// The events module's HTTP adapter (intake and event-source routes), mounted by the composition root (src/app).
export { createEventIntakeRouter, createEventsRouter } from './router';
export { createSignedIntake, type SignedIntake, type SignedIntakeOptions } from './signed-intake';
export { createEventSourcesApiRouter } from './sources-api';
