export { JobQueue, type JobQueueDeps } from './job-queue.ts';
export { queueMigrations } from './migrations.ts';
export { backoffDelayMs, BACKOFF_JITTER } from './fail-job.ts';
export { DEFAULT_KIND_OPTIONS } from './registry.ts';
export type { JobsTable } from './tables.ts';
export type { DeadJob, EnqueueInput, EnqueueResult, JobContext, JobHandler, JobKindOptions } from './types.ts';
export { QUEUE_CHANNEL } from './types.ts';
