export interface JobKindOptions {
  /** Claims before the job is dead-lettered. Default 10. */
  maxAttempts?: number;
  /** First retry delay (ms); doubles per attempt. Default 1,000. */
  backoffBaseMs?: number;
  /** Ceiling of the retry delay (ms). Default 1 hour. */
  backoffMaxMs?: number;
}

export interface JobContext<P> {
  id: string;
  kind: string;
  payload: P;
  /** 1 on the first run. */
  attempt: number;
  workspaceId: string | null;
  /** Aborted when the worker stops (after its grace period) or the job's lease was lost. */
  signal: AbortSignal;
}

export type JobHandler<P> = (job: JobContext<P>) => Promise<void>;

export interface EnqueueInput<P> {
  kind: string;
  payload: P;
  workspaceId?: string | null;
  /** ms since epoch; default: the clock's now. */
  runAt?: number;
  /** Enqueue is idempotent on this key while a job with it exists (waiting, running or dead). */
  uniqueKey?: string;
  /** Lower runs first. Default 100. */
  priority?: number;
}

export interface EnqueueResult {
  id: string;
  created: boolean;
}

export interface DeadJob {
  id: string;
  kind: string;
  payload: unknown;
  workspaceId: string | null;
  attempts: number;
  lastError: string | null;
  uniqueKey: string | null;
  createdAt: number;
  deadAt: number;
}

/** A job as a claim returns it. */
export interface ClaimedJob {
  id: string;
  kind: string;
  payload: string;
  workspaceId: string | null;
  attempts: number;
  leaseToken: string;
  leaseExpiresAt: number;
}

export const QUEUE_CHANNEL = 'samvad_jobs';
