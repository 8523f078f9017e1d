import type { Database } from '../db/database.ts';
import type { Clock } from '../clock.ts';
import { sleepUntil } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { claimJobs, nextDueAt } from './claim-jobs.ts';
import { extendLeases, releaseJobs, rescheduleJob, type LeasedRef } from './complete-job.ts';
import { Completer } from './completer.ts';
import { errorText, failJob } from './fail-job.ts';
import type { JobRegistry, RegisteredKind } from './registry.ts';
import { QUEUE_CHANNEL, type ClaimedJob, type JobContext } from './types.ts';

export interface WorkerDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  registry: JobRegistry;
  workerId: string;
  batchSize: number;
  leaseMs: number;
  concurrency: number;
  /** Fallback poll when no wake-up arrives (a lost NOTIFY, a job scheduled by another process). */
  pollMs: number;
  /** How long stop() lets running handlers finish before aborting their signal. */
  shutdownGraceMs: number;
  /** After the abort, how long stop() still waits before abandoning them to lease expiry. */
  abandonAfterMs: number;
  /** Before the first claim: make sure every recurring kind has its row. */
  ensureRecurring: () => Promise<void>;
}

interface Active {
  job: ClaimedJob;
  controller: AbortController;
  done: Promise<void>;
}

/** Next period boundary strictly after `nowMs` (recurring jobs run once per aligned period). */
export function nextPeriodStart(nowMs: number, everyMs: number): number {
  return (Math.floor(nowMs / everyMs) + 1) * everyMs;
}

/**
 * The claim loop: claims batches of due jobs of the registered kinds, runs them with bounded
 * concurrency, completes them in batches, and sleeps exactly until the next job is due unless a
 * commit (in-process or NOTIFY), a clock jump or the fallback poll wakes it first.
 */
export class Worker {
  private running = false;
  private stopping = false;
  private loopDone: Promise<void> | undefined;
  private wakeRequested = false;
  private slotFreed: (() => void) | undefined;
  private sleeper: AbortController | undefined;
  private readonly buffer: ClaimedJob[] = [];
  private readonly active = new Map<string, Active>();
  private readonly completer: Completer;
  private cleanups: (() => void | Promise<void>)[] = [];
  private listening: Promise<unknown> = Promise.resolve();
  private readyPromise: Promise<void> = Promise.resolve();
  private markReady: () => void = () => {};

  constructor(private readonly deps: WorkerDeps) {
    this.completer = new Completer(deps.database, deps.logger);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Something may have become due: claim now. */
  wake(): void {
    this.wakeRequested = true;
    // Called after every enqueue commit: abort() builds a DOMException each call, so only once.
    if (this.sleeper && !this.sleeper.signal.aborted) this.sleeper.abort();
  }

  start(): void {
    if (this.running || this.stopping) return;
    this.running = true;
    const { database, clock, logger, leaseMs } = this.deps;
    const offJump = clock.onJump(() => this.wake());
    this.cleanups.push(() => void offJump());
    const unlisten = database.notifications.listen(QUEUE_CHANNEL, () => this.wake()).catch((err: unknown) => {
      logger.warn({ err }, 'could not LISTEN for job wake-ups; polling only');
      return undefined;
    });
    this.listening = unlisten;
    this.cleanups.push(async () => {
      await (await unlisten)?.();
    });
    this.readyPromise = new Promise((r) => (this.markReady = r));
    // Heartbeat: running (and buffered) jobs keep their lease while they take longer than it.
    const heartbeat = setInterval(() => void this.heartbeat(), Math.max(50, Math.floor(leaseMs / 3)));
    heartbeat.unref();
    this.cleanups.push(() => clearInterval(heartbeat));
    this.loopDone = this.loop();
  }

  private kinds(): string[] {
    return this.deps.registry.names();
  }

  private held(): number {
    return this.buffer.length + this.active.size;
  }

  private async loop(): Promise<void> {
    const { database, clock, logger, batchSize, concurrency, leaseMs, workerId, pollMs } = this.deps;
    const limit = Math.max(batchSize, concurrency);
    // `backlog`: the last claim came back full. `starved`: every handler had finished (and the
    // buffer was empty) by the time it came back, so one batch per claim round trip cannot keep
    // the handlers busy. Then the next claim takes two batches (two statements, in the same group
    // commit on SQLite). A worker never holds more than two batches, and only while it runs them
    // faster than it can claim them.
    let backlog = false;
    let starved = false;
    // Subscribed before the first claim: a commit after that claim is never missed.
    await this.listening;
    try {
      await this.deps.ensureRecurring();
    } catch (err) {
      logger.error({ err }, 'could not schedule recurring jobs; retrying at the next start');
    }
    while (this.running) {
      try {
        // Claim only when the local buffer runs low, so a worker does not hoard leased jobs.
        if (this.buffer.length >= concurrency || this.held() >= limit) {
          await this.waitForSlot(pollMs);
          continue;
        }
        this.wakeRequested = false;
        const n = limit - this.held();
        const nowMs = clock.nowMs();
        const kinds = this.kinds();
        const claim = (count: number) => claimJobs(database, { kinds, limit: count, nowMs, leaseMs, workerId });
        const double: boolean = backlog && starved;
        const jobs: ClaimedJob[] = double ? await claimBoth(claim(n), claim(limit), this.buffer) : await claim(n);
        backlog = jobs.length === (double ? n + limit : n);
        starved = this.held() === 0;
        this.markReady();
        if (!this.running) {
          this.buffer.push(...jobs);
          break;
        }
        this.buffer.push(...jobs);
        this.pump();
        if (backlog || this.wakeRequested) continue;
        const next = await nextDueAt(database, kinds, nowMs);
        if (this.wakeRequested || !this.running) continue;
        await this.sleep(Math.min(next ?? Infinity, clock.nowMs() + pollMs));
      } catch (err) {
        logger.error({ err }, 'job claim failed');
        this.markReady();
        this.pump(); // jobs the other of two claims leased
        await this.sleep(clock.nowMs() + pollMs);
      }
    }
    this.markReady();
  }

  /** Resolves once the worker listens for wake-ups and has made its first claim. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  /** Waits (real time, at most `ms`) until a running handler finishes or the worker stops. */
  private waitForSlot(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.slotFreed === done) this.slotFreed = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.slotFreed = done;
    });
  }

  private async sleep(deadlineMs: number): Promise<void> {
    if (this.wakeRequested || !this.running) return;
    const ctrl = new AbortController();
    this.sleeper = ctrl;
    try {
      await sleepUntil(this.deps.clock, deadlineMs, ctrl.signal);
    } finally {
      if (this.sleeper === ctrl) this.sleeper = undefined;
    }
  }

  private pump(): void {
    while (this.running && this.active.size < this.deps.concurrency && this.buffer.length > 0) {
      const job = this.buffer.shift()!;
      const controller = new AbortController();
      const entry: Active = { job, controller, done: Promise.resolve() };
      this.active.set(job.id, entry);
      entry.done = this.run(job, controller).finally(() => {
        this.active.delete(job.id);
        this.pump();
        // A slot freed: if the loop waits on a full buffer, let it claim.
        if (this.buffer.length < this.deps.concurrency) this.slotFreed?.();
      });
    }
  }

  private async run(job: ClaimedJob, controller: AbortController): Promise<void> {
    const { database, clock, logger, registry } = this.deps;
    const kind = registry.get(job.kind)!;
    const ref: LeasedRef = { id: job.id, leaseToken: job.leaseToken };
    // Built only when something is logged: a child logger per job showed in profiles.
    let child: Logger | undefined;
    const log = () => (child ??= logger.child({ jobId: job.id, kind: job.kind, attempt: job.attempts }));
    try {
      if (job.attempts > kind.options.maxAttempts) {
        // Counted at claim: earlier attempts never reported back (the worker died or lost the lease).
        await this.failed(job, kind, ref, new Error(`attempt ${job.attempts} exceeds maxAttempts ${kind.options.maxAttempts}: earlier attempts did not finish (worker crashed or lost its lease)`), log);
        return;
      }
      let outcome: { ok: true } | { ok: false; err: unknown };
      try {
        const ctx: JobContext<unknown> = {
          id: job.id,
          kind: job.kind,
          payload: JSON.parse(job.payload) as unknown,
          attempt: job.attempts,
          workspaceId: job.workspaceId,
          signal: controller.signal,
        };
        await kind.handler(ctx);
        outcome = { ok: true };
      } catch (err) {
        outcome = { ok: false, err };
      }
      if (outcome.ok) {
        if (kind.recurring) {
          const next = nextPeriodStart(clock.nowMs(), kind.recurring.everyMs);
          const kept = await database.transaction((tx) => rescheduleJob(tx.db, ref, next));
          if (!kept) log().warn('recurring job finished after its lease was taken over');
        } else {
          // Not awaited: the slot frees at once and completions pile into bigger batched deletes.
          // stop() drains the completer, so a finished job is still completed before shutdown.
          this.completer.complete(ref).then(
            (deleted) => {
              if (!deleted) log().warn('job finished after its lease was taken over; the new holder will complete it');
            },
            () => {}, // logged by the completer; the job runs again after its lease (at-least-once)
          );
        }
        return;
      }
      if (this.stopping && controller.signal.aborted) {
        // Interrupted by shutdown, not failed: give it back at once without counting the attempt.
        await database.transaction((tx) => releaseJobs(tx.db, [ref], clock.nowMs()));
        return;
      }
      await this.failed(job, kind, ref, outcome.err, log);
    } catch (err) {
      // The outcome could not be written; the lease will expire and the job runs again.
      log().error({ err }, 'could not record job outcome');
    }
  }

  private async failed(job: ClaimedJob, kind: RegisteredKind, ref: LeasedRef, err: unknown, log: () => Logger): Promise<void> {
    const { database, clock } = this.deps;
    const nowMs = clock.nowMs();
    if (kind.recurring && job.attempts >= kind.options.maxAttempts) {
      // A recurring job never goes dead: that would end its schedule. Skip to the next period.
      log().error({ err }, 'recurring job failed on every attempt; skipping to the next period');
      await database.transaction((tx) => rescheduleJob(tx.db, ref, nextPeriodStart(nowMs, kind.recurring!.everyMs)));
      return;
    }
    const result = await database.transaction((tx) =>
      failJob(tx.db, { ref, attempts: job.attempts, error: errorText(err), nowMs, options: kind.options }),
    );
    if (result.outcome === 'dead') log().error({ err }, 'job failed on its last attempt; dead-lettered');
    else if (result.outcome === 'retry') {
      log().warn({ err, retryAt: result.runAt }, 'job failed; will retry');
      this.wake(); // recompute the next due time (the retry may be the soonest job)
    } else log().warn({ err }, 'job failed after its lease was taken over; the new holder decides');
  }

  private async heartbeat(): Promise<void> {
    if (!this.running && this.active.size === 0) return;
    const refs = [...this.buffer, ...[...this.active.values()].map((a) => a.job)].map((j) => ({ id: j.id, leaseToken: j.leaseToken }));
    if (refs.length === 0) return;
    const { database, clock, leaseMs, logger } = this.deps;
    try {
      const held = await database.transaction((tx) => extendLeases(tx.db, refs, clock.nowMs() + leaseMs));
      for (const [id, a] of this.active) {
        if (!held.has(id)) a.controller.abort(new Error('job lease lost'));
      }
    } catch (err) {
      logger.warn({ err }, 'could not extend job leases');
    }
  }

  /**
   * Stops claiming, gives back claimed jobs that never started, lets running handlers finish for
   * the grace period, then aborts their signal; a handler that still does not return is abandoned
   * (its lease expires and another worker runs it again: handlers are idempotent).
   */
  async stop(): Promise<void> {
    if (!this.running && !this.loopDone) return;
    const { database, clock, logger, shutdownGraceMs, abandonAfterMs } = this.deps;
    this.running = false;
    this.stopping = true;
    this.sleeper?.abort();
    this.slotFreed?.();
    await this.loopDone;
    this.loopDone = undefined;
    const unstarted = this.buffer.splice(0).map((j) => ({ id: j.id, leaseToken: j.leaseToken }));
    if (unstarted.length > 0) {
      await database.transaction((tx) => releaseJobs(tx.db, unstarted, clock.nowMs())).catch((err: unknown) => {
        logger.warn({ err }, 'could not release unstarted jobs; they return after their lease');
      });
    }
    const settled = () => Promise.allSettled([...this.active.values()].map((a) => a.done));
    if (this.active.size > 0 && !(await within(settled(), shutdownGraceMs))) {
      for (const a of this.active.values()) a.controller.abort(new Error('worker stopping'));
      if (!(await within(settled(), abandonAfterMs))) {
        logger.warn({ jobs: this.active.size }, 'handlers did not return after abort; leaving them to lease expiry');
      }
    }
    await this.completer.drain();
    for (const c of this.cleanups.splice(0)) await c();
    this.stopping = false;
  }
}

/**
 * Two claims at once. If one fails, the jobs the other leased still go to `buffer` (they run now
 * rather than after their lease) before the failure is thrown.
 */
async function claimBoth(a: Promise<ClaimedJob[]>, b: Promise<ClaimedJob[]>, buffer: ClaimedJob[]): Promise<ClaimedJob[]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'fulfilled' && y.status === 'fulfilled') return [...x.value, ...y.value];
  for (const r of [x, y]) if (r.status === 'fulfilled') buffer.push(...r.value);
  throw x.status === 'rejected' ? x.reason : (y as PromiseRejectedResult).reason;
}

/** True if `p` settles within `ms` of real time. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
