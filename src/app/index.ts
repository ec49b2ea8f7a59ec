// The composition root: the only module that knows every feature. It mounts each feature's HTTP
// adapter (`<module>/web`), registers every queue job and background task, and wires the
// cross-module reactions (domain event subscribers).
export { createApp } from './web';
export { jobs } from './worker-jobs';
export { startBackgroundTasks, type BackgroundTasks } from './background';
export { subscriptions, registerInTransactionPorts } from './subscribers';
