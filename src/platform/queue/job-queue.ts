import { hostname } from 'node:os';
import type { Clock } from '../clock.ts';
import type { Database, Tx } from '../db/database.ts';
import { randomUUID } from '../ids.ts';
import type { Logger } from '../logger.ts';
import { countJobs, listDeadJobs, retryDeadJob, type ListDeadInput } from './dead-jobs.ts';
import { enqueueJob } from './enqueue.ts';
import { JobRegistry } from './registry.ts';
import { QUEUE_CHANNEL, type DeadJob, type EnqueueInput, type EnqueueResult, type JobContext, type JobKindOptions } from './types.ts';
import { Worker } from './worker.ts';

export interface JobQueueDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  /** Jobs claimed per claim statement. Default 100 (DESIGN.md §4: 100 is 3–3.6× faster than 10). */
  batchSize?: number;
  /** How long a claim holds a job before another worker may take it over. Default 30 s. */
  leaseMs?: number;
  /** Handlers running at once in this process. Default 16. */
  concurrency?: number;
  workerId?: string;
  /** Fallback poll. Default 1 s. */
  pollMs?: number;
  /** stop(): wait this long for running handlers before aborting their signal. Default 5 s. */
  shutdownGraceMs?: number;
}

/** Recurring jobs retry a few times within their period, then wait for the next one. */
const RECURRING_OPTIONS: JobKindOptions = { maxAttempts: 3, backoffBaseMs: 1_000, backoffMaxMs: 60_000 };

/**
 * The job queue in the database (DESIGN.md §4). Any process enqueues (inside its own transaction,
 * so the job commits with its data); processes in the worker role call start() to claim and run.
 * Execution is at-least-once: handlers must be idempotent.
 */
export class JobQueue {
  private readonly registry = new JobRegistry();
  private readonly database: Database;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly worker: Worker;
  private notifying = false;
  private notifyAgain = false;

  constructor(deps: JobQueueDeps) {
    this.database = deps.database;
    this.clock = deps.clock;
    this.logger = deps.logger.child({ component: 'queue' });
    const leaseMs = deps.leaseMs ?? 30_000;
    this.worker = new Worker({
      database: deps.database,
      clock: deps.clock,
      logger: this.logger,
      registry: this.registry,
      workerId: deps.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      batchSize: deps.batchSize ?? 100,
      leaseMs,
      concurrency: deps.concurrency ?? 16,
      pollMs: deps.pollMs ?? 1_000,
      shutdownGraceMs: deps.shutdownGraceMs ?? 5_000,
      abandonAfterMs: 2_000,
      ensureRecurring: () => this.ensureRecurring(),
    });
  }

  register<P>(kind: string, handler: (job: JobContext<P>) => Promise<void>, options?: JobKindOptions): void {
    this.registry.register(kind, handler, options);
    if (this.worker.isRunning) this.worker.wake();
  }

  /**
   * Runs `handler` once per `everyMs` period (aligned to multiples of everyMs since the epoch),
   * on one worker at a time across all processes: the schedule is a single job row (unique key
   * `recurring:<kind>`) that is rescheduled to the next period instead of deleted. A recurring job
   * never goes dead; after 3 failed attempts it waits for the next period.
   */
  registerRecurring(kind: string, everyMs: number, handler: (job: JobContext<Record<string, never>>) => Promise<void>): void {
    this.registry.register(kind, handler, RECURRING_OPTIONS, { everyMs });
    if (this.worker.isRunning) void this.ensureRecurring().catch((err: unknown) => this.logger.error({ err }, 'could not schedule recurring job'));
  }

  private async ensureRecurring(): Promise<void> {
    for (const k of this.registry.recurring()) {
      await this.enqueueNow({ kind: k.kind, payload: {}, uniqueKey: `recurring:${k.kind}` });
    }
  }

  async enqueue<P>(tx: Tx, input: EnqueueInput<P>): Promise<EnqueueResult> {
    const result = await enqueueJob(tx.db, this.clock.nowMs(), input);
    if (result.created) tx.afterCommit(() => this.wakeWorkers());
    return { id: result.id, created: result.created };
  }

  /**
   * Enqueues on its own, durably committed when it resolves. PostgreSQL runs the insert in
   * autocommit (one round trip instead of BEGIN, INSERT, COMMIT); SQLite joins the group commit.
   */
  async enqueueNow<P>(input: EnqueueInput<P>): Promise<EnqueueResult> {
    if (this.database.dialect !== 'postgres') return this.database.transaction((tx) => this.enqueue(tx, input));
    const result = await enqueueJob(this.database.db, this.clock.nowMs(), input);
    if (result.created) this.wakeWorkers();
    return { id: result.id, created: result.created };
  }

  /** After a commit that added work: wake this process's worker and, via NOTIFY, the others. */
  private wakeWorkers(): void {
    this.worker.wake();
    // Coalesced: while one NOTIFY is in flight, further commits add at most one more.
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    this.database.notifications
      .notify(QUEUE_CHANNEL)
      .catch((err: unknown) => this.logger.warn({ err }, 'job NOTIFY failed; workers fall back to polling'))
      .finally(() => {
        this.notifying = false;
        if (this.notifyAgain) {
          this.notifyAgain = false;
          this.wakeWorkers();
        }
      });
  }

  /** Begins claiming and running jobs of the registered kinds (worker role). */
  start(): void {
    this.worker.start();
  }

  /** Resolves once the started worker listens for wake-ups and has made its first claim. */
  ready(): Promise<void> {
    return this.worker.ready();
  }

  /** Stops claiming and waits for running handlers (see Worker.stop for the grace period). */
  stop(): Promise<void> {
    return this.worker.stop();
  }

  listDead(opts?: ListDeadInput): Promise<DeadJob[]> {
    return listDeadJobs(this.database, opts);
  }

  async retryDead(id: string): Promise<boolean> {
    return this.database.transaction(async (tx) => {
      const ok = await retryDeadJob(tx.db, id, this.clock.nowMs());
      if (ok) tx.afterCommit(() => this.wakeWorkers());
      return ok;
    });
  }

  counts(): Promise<{ ready: number; running: number; dead: number }> {
    return countJobs(this.database, this.clock.nowMs());
  }
}
