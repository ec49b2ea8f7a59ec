export { QUEUE_NAMES, DEFAULT_JOB_OPTIONS, FOREGROUND_QUEUES, defineJob, laneOf, type QueueName, type JobDefinition, type JobRun, type JobLane } from './job';
export { Queues, type EnqueueOptions } from './queues';
export { startWorkers, recordDeadLetter, ForegroundGate, BACKGROUND_MAX_WAIT_MS, type WorkerHost, type WorkerHostOptions, type DeadLetter } from './workers';
export { createRedis, redisOptions, isRedisReachable, type ConnectionPurpose } from './connection';
export { UnrecoverableError } from 'bullmq';
