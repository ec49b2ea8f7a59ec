export { QUEUE_NAMES, DEFAULT_JOB_OPTIONS, defineJob, type QueueName, type JobDefinition, type JobRun } from './job';
export { Queues, type EnqueueOptions } from './queues';
export { startWorkers, recordDeadLetter, type WorkerHost, type WorkerHostOptions, type DeadLetter } from './workers';
export { createRedis, redisOptions, isRedisReachable, type ConnectionPurpose } from './connection';
export { UnrecoverableError } from 'bullmq';
