import { sleepUntil, type Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import type { Logger } from '../../platform/logger.ts';
import type { MetaError, SendOutcome } from '../../channels/whatsapp/types.ts';
import { TRANSPORT_ERROR_CODE } from '../../channels/whatsapp/cloud-api/classify.ts';
import type { Lease } from './lease.ts';
import { createBatcher } from '../../platform/batcher.ts';
import { AdaptiveShare, PairRate, retryDelayMs, TokenBucket } from './pacing.ts';
import { expiredRows, fetchDueHeads, hasQueued, nextDueAt, type DueRow } from './queue-reads.ts';
import { tierLimit, type DispatchNumber, type DispatchStats, type LoadNumber, type SendChannel } from './types.ts';
import { deferRows, expireMessages, LeaseLostError, markSending, prunePortfolioRecipients, recordOutcomes, releaseRetries, type OutcomeInput, type ReadySend } from './writes.ts';

export interface RunnerSettings {
  leaseMs: number;
  pollMs: number;
  batchSize: number;
  maxInFlight: number;
  /**
   * Least share of the number's throughput the dispatcher uses: the headroom for inbound it hears
   * of late, taken while customers write in (AdaptiveShare).
   */
  throughputShare: number;
  /** Bucket capacity in seconds of throughput (burst size). */
  burstSeconds: number;
  pairIntervalMs: number;
  pairBurst: number;
  /** Give the lease up after this long with nothing queued. */
  idleReleaseMs: number;
  numberRefreshMs: number;
}

interface RunnerDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  channel: SendChannel;
  loadNumber: LoadNumber;
  stats: DispatchStats;
  settings: RunnerSettings;
  random: () => number;
}

/**
 * Dispatches one owned number: reads the heads of its recipients' lines in priority order, paces
 * them (throughput bucket incl. inbound, pair rate, portfolio messaging limit), marks them
 * `sending` durably, and keeps up to maxInFlight sends in flight (one per recipient).
 */
export class NumberRunner {
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wakeRequested = false;
  private sleeper: AbortController | undefined;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly busyRecipients = new Set<string>();
  private number: DispatchNumber | null = null;
  private numberLoadedAt = -Infinity;
  private bucket: TokenBucket | undefined;
  private readonly share: AdaptiveShare;
  private readonly pair: PairRate;
  private idleSince: number | undefined;
  private lastPrune = -Infinity;
  /**
   * Messages backing off after an outage-class answer (HTTP 5xx, or no connection). The backoff is
   * per message and grows to minutes during a long outage, so after Meta is back the heads of the
   * lines would trickle out over up to one backoff (test/faults/outage.db.test.ts: ~30 s after a
   * one-minute outage, up to 5 min after a long one). The first send the number gets accepted
   * again releases them all (still paced by the bucket, pair rate and per-recipient order).
   */
  private readonly outageRetries = new Set<string>();
  private readonly log: Logger;
  /** Set when the loop ends: 'idle' (released), 'lost', 'stopped'. */
  endReason: 'idle' | 'lost' | 'stopped' | undefined;

  constructor(
    private readonly deps: RunnerDeps,
    readonly lease: Lease,
    private readonly onEnd: (runner: NumberRunner) => void,
  ) {
    this.pair = new PairRate(deps.settings.pairIntervalMs, deps.settings.pairBurst);
    this.share = new AdaptiveShare(deps.settings.throughputShare);
    this.log = deps.logger.child({ numberId: lease.numberId });
    this.recordOutcome = createBatcher<OutcomeInput>((inputs) => recordOutcomes(deps.database, inputs));
  }

  /** Outcomes answered in the same turn of the event loop are recorded in one transaction. */
  private readonly recordOutcome: (input: OutcomeInput) => Promise<void>;

  get numberId(): string {
    return this.lease.numberId;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    this.running = true;
    this.loopDone = this.loop().finally(() => this.onEnd(this));
  }

  wake(): void {
    this.wakeRequested = true;
    this.sleeper?.abort();
  }

  debitInbound(n: number): void {
    const now = this.deps.clock.nowMs();
    this.share.addInbound(n, now);
    this.bucket?.debit(n, now);
  }

  /** Stops starting sends; resolves when the loop ended (in-flight sends may still be running). */
  async halt(reason: 'lost' | 'stopped'): Promise<void> {
    this.endReason ??= reason;
    this.running = false;
    this.wake();
    await this.loopDone;
  }

  /** Waits for in-flight sends, at most `ms` of real time; true if none is left. */
  async drain(ms: number): Promise<boolean> {
    const all = Promise.allSettled([...this.inFlight.values()]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
    const ok = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return ok && this.inFlight.size === 0;
  }

  private async refreshNumber(now: number): Promise<DispatchNumber | null> {
    const { settings } = this.deps;
    if (now - this.numberLoadedAt < settings.numberRefreshMs && this.number) return this.number;
    this.number = await this.deps.loadNumber(this.numberId);
    this.numberLoadedAt = now;
    if (this.number) this.pace(this.number, now);
    return this.number;
  }

  /** Sizes the bucket to the number's throughput times the current share. */
  private pace(number: DispatchNumber, now: number): void {
    const rate = Math.max(1, number.throughputMps * this.share.share(number.throughputMps, now));
    const capacity = Math.max(1, Math.floor(rate * this.deps.settings.burstSeconds));
    // A new owner starts with an empty bucket: the previous owner may just have used Meta's.
    if (!this.bucket) this.bucket = new TokenBucket(rate, capacity, now, 0);
    else this.bucket.configure(rate, capacity, now);
  }

  private async loop(): Promise<void> {
    const { clock, settings } = this.deps;
    while (this.running) {
      let next = clock.nowMs() + settings.pollMs;
      try {
        this.wakeRequested = false;
        const now = clock.nowMs();
        const number = await this.refreshNumber(now);
        if (!number) {
          this.log.warn('number not found; its queued messages wait');
        } else if (number.pausedAt !== null) {
          // Paused after an account-level error; messages stay queued until an operator resumes.
        } else {
          await this.expire(now);
          next = await this.round(number);
          if (this.inFlight.size === 0 && next > now && !(await hasQueued(this.deps.database, this.numberId))) {
            this.idleSince ??= now;
            if (now - this.idleSince >= settings.idleReleaseMs) {
              this.endReason = 'idle';
              this.running = false;
              break;
            }
          } else {
            this.idleSince = undefined;
          }
          if (now - this.lastPrune > 60_000 && number.messagingLimitTier !== 'TIER_UNLIMITED') {
            this.lastPrune = now;
            await prunePortfolioRecipients(this.deps.database, number.businessId, now);
          }
        }
      } catch (err) {
        if (err instanceof LeaseLostError) {
          this.log.warn('dispatch lease lost; another worker owns the number now');
          this.endReason = 'lost';
          this.running = false;
          break;
        }
        this.log.error({ err }, 'dispatch round failed');
      }
      await this.sleep(Math.min(next, clock.nowMs() + settings.pollMs));
    }
  }

  private async sleep(deadline: number): Promise<void> {
    if (this.wakeRequested || !this.running || deadline <= this.deps.clock.nowMs()) return;
    const ctrl = new AbortController();
    this.sleeper = ctrl;
    try {
      await sleepUntil(this.deps.clock, deadline, ctrl.signal);
    } finally {
      if (this.sleeper === ctrl) this.sleeper = undefined;
    }
  }

  private async expire(now: number): Promise<void> {
    const ids = (await expiredRows(this.deps.database, this.numberId, now, 500)).filter((id) => !this.inFlight.has(id));
    const n = await expireMessages(this.deps.database, ids, now);
    if (n > 0) {
      this.deps.stats.expired += n;
      this.log.info({ expired: n }, 'queued messages passed their time to live');
    }
  }

  /** One read–pace–mark–launch pass. Returns when the loop should look again. */
  private async round(number: DispatchNumber): Promise<number> {
    const { database, clock, settings, stats } = this.deps;
    const now = clock.nowMs();
    this.pace(number, now);
    const bucket = this.bucket!;
    const capacity = settings.maxInFlight - this.inFlight.size;
    if (capacity <= 0) return now + settings.pollMs; // a finishing send wakes us
    const limit = Math.min(settings.batchSize, capacity) + this.inFlight.size;
    const rows = (await fetchDueHeads(database, this.numberId, now, limit)).filter((r) => !this.inFlight.has(r.message_id));
    const chosen: DueRow[] = [];
    const deferred: { id: string; runAt: number }[] = [];
    let tokenWait: number | undefined;
    for (const r of rows) {
      if (chosen.length >= capacity) break;
      if (this.busyRecipients.has(r.recipient)) continue;
      const wait = this.pair.waitMs(r.recipient, now);
      if (wait > 0) {
        deferred.push({ id: r.message_id, runAt: now + wait });
        continue;
      }
      if (!bucket.tryTake(now)) {
        tokenWait = bucket.nextTokenAt(now);
        break;
      }
      chosen.push(r);
    }
    await deferRows(database, deferred);
    if (chosen.length > 0) {
      const marked = await markSending(database, {
        lease: this.lease,
        leaseMs: settings.leaseMs,
        nowMs: now,
        rows: chosen,
        businessId: number.businessId,
        limit: tierLimit(number.messagingLimitTier),
      });
      bucket.refund(chosen.length - marked.ready.length);
      if (marked.waiting.length > 0) {
        stats.limitWaits += marked.waiting.length;
        this.log.info({ waiting: marked.waiting.length, until: new Date(marked.waiting[0]!.runAt).toISOString() }, 'portfolio messaging limit reached; sends wait');
      }
      for (const s of marked.ready) this.launch(number, s);
    }
    if (chosen.length > 0 || deferred.length > 0) return tokenWait ?? now;
    if (tokenWait !== undefined) return tokenWait;
    if (rows.length > 0) return now + settings.pollMs; // all heads busy in flight: a finishing send wakes us
    return (await nextDueAt(database, this.numberId, now)) ?? now + settings.pollMs;
  }

  private launch(number: DispatchNumber, s: ReadySend): void {
    const { row } = s;
    this.busyRecipients.add(row.recipient);
    this.pair.take(row.recipient, this.deps.clock.nowMs());
    const p = this.send(number, s).finally(() => {
      this.inFlight.delete(row.message_id);
      this.busyRecipients.delete(row.recipient);
      this.wake();
    });
    this.inFlight.set(row.message_id, p);
  }

  private async send(number: DispatchNumber, s: ReadySend): Promise<void> {
    const { channel, clock, stats, database, random } = this.deps;
    const { row } = s;
    let outcome: SendOutcome;
    try {
      outcome = await channel.send(number.credentials, { messageId: row.message_id, to: row.recipient, content: s.content, replyToWamid: s.replyToWamid });
    } catch (err) {
      // The channel must classify every answer; if it threw, we cannot tell whether the request left.
      this.log.error({ err, messageId: row.message_id }, 'channel send threw; outcome unknown');
      outcome = { kind: 'unknown', error: { code: 0, title: 'Channel error', message: String(err) } satisfies MetaError };
    }
    const now = clock.nowMs();
    let retryAt: number | undefined;
    this.outageRetries.delete(row.message_id);
    switch (outcome.kind) {
      case 'accepted':
        stats.accepted++;
        if (this.outageRetries.size > 0) {
          const ids = [...this.outageRetries];
          this.outageRetries.clear();
          this.log.info({ released: ids.length }, 'the Cloud API answers again: retries held back by an outage are due now');
          void releaseRetries(database, ids, now)
            .then(() => this.wake())
            .catch((err: unknown) => this.log.warn({ err }, 'could not release retries after an outage; they run at their backoff'));
        }
        break;
      case 'retryable': {
        stats.retried++;
        const code = outcome.error.code;
        if (code === 130429) {
          stats.throttled++;
          this.share.throttled(now);
          this.bucket?.drain(now);
        }
        if (code === 131056) {
          stats.pairThrottled++;
          this.pair.exhaust(row.recipient, now);
        }
        retryAt = now + retryDelayMs(code, row.attempts + 1, outcome.retryAfterMs, random);
        // Outage class: a 5xx answer, or no connection at all (transport error without an HTTP status).
        const { httpStatus } = outcome.error;
        if ((httpStatus ?? 0) >= 500 || (code === TRANSPORT_ERROR_CODE && httpStatus === undefined)) this.outageRetries.add(row.message_id);
        this.log.warn({ messageId: row.message_id, code, retryAt: new Date(retryAt).toISOString() }, 'send refused for now; will retry');
        break;
      }
      case 'unknown':
        stats.unknown++;
        this.log.warn({ messageId: row.message_id, error: outcome.error }, 'send outcome unknown; not resent (a status webhook may resolve it)');
        break;
      case 'account':
        stats.paused++;
        this.log.error({ error: outcome.error, alert: 'dispatch_paused' }, 'account-level error: dispatch of this number paused until an operator resumes it');
        if (this.number) this.number = { ...this.number, pausedAt: now };
        break;
      case 'terminal':
        stats.failed++;
        break;
    }
    try {
      await this.recordOutcome({ row, numberId: this.numberId, nowMs: now, outcome, ...(retryAt !== undefined ? { retryAt } : {}) });
    } catch (err) {
      // Left in `sending`: the next owner marks it unknown. Never resent.
      this.log.error({ err, messageId: row.message_id, outcome: outcome.kind }, 'could not record a send outcome');
    }
  }
}
