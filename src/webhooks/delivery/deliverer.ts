import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import { sleepUntil } from '../../platform/clock.ts';
import type { SecretBox } from '../../channels/whatsapp/secret-box.ts';
import type { WebhooksConfig } from '../../platform/config.ts';
import type { Database } from '../../platform/db/database.ts';
import type { Logger } from '../../platform/logger.ts';
import { openEndpointSecret } from '../runtime.ts';
import { signDelivery } from '../sign.ts';
import { WEBHOOKS_CHANNEL } from '../wake.ts';
import { activeEndpointIds, claimDeliveries, nextDeliveryDueAt, renewLeases, type ClaimedDelivery } from './claim.ts';
import { EndpointPoster } from './post.ts';
import { recordOutcomes, type Outcome } from './record-outcomes.ts';

export interface DelivererDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  config: WebhooksConfig;
  /** Opens the endpoints' sealed secrets. */
  secrets: SecretBox;
  /** Deliveries per claim. Default 200. */
  batchSize?: number;
  /** Most deliveries held (queued + in flight) by this process. Default 4,000. */
  maxHeld?: number;
  /** Fallback poll when no wake-up arrives. Default 1,000 ms. */
  pollMs?: number;
}

interface EndpointState {
  id: string;
  url: string;
  /** null: the sealed secret could not be opened (key changed); attempts fail and are retried. */
  secret: string | null;
  poster: EndpointPoster;
  queue: { delivery: ClaimedDelivery; body: string }[];
  inFlight: number;
  loadedAt: number;
}

export interface DelivererStats {
  delivered: number;
  retried: number;
  dead: number;
  attempts: number;
  held: number;
}

/**
 * The webhook deliverer: a loop that claims due deliveries in batches (heads of per-(endpoint,
 * contact) queues only), posts them through one keep-alive pool per endpoint with bounded
 * concurrency, and writes outcomes in batches. Not one job-queue job per delivery: at 1,000
 * messages/s there are 3,000+ deliveries/s, and a batch claim plus a batch outcome write is two
 * statements per couple of hundred deliveries. Safe with several processes on PostgreSQL
 * (SKIP LOCKED claims, lease tokens fence late writers, expired leases come back by themselves).
 */
export class WebhookDeliverer {
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wakeRequested = false;
  private sleeper: AbortController | undefined;
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly tokens = new Map<string, number>();
  private outcomes: Outcome[] = [];
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  /** Outcome writes failed in a row (backs off the next try). */
  private flushFailures = 0;
  private held = 0;
  private cleanups: (() => void | Promise<void>)[] = [];
  private readonly leaseMs: number;
  private readonly statsValue: DelivererStats = { delivered: 0, retried: 0, dead: 0, attempts: 0, held: 0 };
  private idleWaiters: (() => void)[] = [];
  /** Clock time the held leases were last extended to `+ leaseMs` from. */
  private renewedAt = 0;

  constructor(private readonly deps: DelivererDeps) {
    // Longer than one attempt can take, with room for the outcome write.
    this.leaseMs = Math.max(30_000, deps.config.timeoutMs * 3);
  }

  stats(): DelivererStats {
    return { ...this.statsValue, held: this.held };
  }

  wake(): void {
    this.wakeRequested = true;
    if (this.sleeper && !this.sleeper.signal.aborted) this.sleeper.abort();
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { database, clock, logger } = this.deps;
    const offJump = clock.onJump(() => this.wake());
    this.cleanups.push(() => void offJump());
    try {
      const unlisten = await database.notifications.listen(WEBHOOKS_CHANNEL, () => this.wake());
      this.cleanups.push(unlisten);
    } catch (err) {
      logger.warn({ err }, 'could not LISTEN for webhook wake-ups; polling only');
    }
    const heartbeat = setInterval(() => void this.renew(), Math.floor(this.leaseMs / 3));
    heartbeat.unref();
    this.cleanups.push(() => clearInterval(heartbeat));
    this.loopDone = this.loop();
  }

  private async renew(): Promise<void> {
    if (this.tokens.size === 0) return;
    const now = this.deps.clock.nowMs();
    this.renewedAt = now;
    try {
      await renewLeases(this.deps.database, [...this.tokens.keys()], now + this.leaseMs);
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not renew webhook delivery leases');
    }
  }

  private async loop(): Promise<void> {
    const { database, clock, logger } = this.deps;
    const batch = this.deps.batchSize ?? 200;
    const maxHeld = this.deps.maxHeld ?? 4000;
    const pollMs = this.deps.pollMs ?? 1000;
    const perEndpointCap = this.deps.config.concurrencyPerEndpoint * 8;
    while (this.running) {
      try {
        this.wakeRequested = false;
        const room = maxHeld - this.held;
        if (room <= 0) {
          await this.sleep(clock.nowMs() + pollMs);
          continue;
        }
        // Leases are renewed on the clock that expires them: after a jump of the (test) clock, renew
        // before claiming, or this process would claim its own held deliveries again.
        if (this.tokens.size > 0 && clock.nowMs() - this.renewedAt > this.leaseMs / 3) await this.renew();
        const now = clock.nowMs();
        // An endpoint is claimed for again only once half its share has drained, so claims come in
        // big batches: each claim walks past the due successors of contacts whose head is held
        // (they wait for per-contact order), and that walk costs the same for 20 rows as for 200.
        const exclude = [...this.endpoints.values()].filter((e) => e.queue.length + e.inFlight >= perEndpointCap / 2).map((e) => e.id);
        const limit = Math.min(batch, room);
        // With every active endpoint holding its share, a claim could only walk the whole due
        // backlog to find nothing: wait for outcomes (they wake the loop) instead.
        if (exclude.length > 0 && (await activeEndpointIds(database)).every((id) => exclude.includes(id))) {
          await this.sleep(clock.nowMs() + pollMs);
          continue;
        }
        const token = randomUUID();
        const claimed = await claimDeliveries(database, { limit, nowMs: now, leaseMs: this.leaseMs, token, excludeEndpoints: exclude, heldTokens: [...this.tokens.keys()] });
        if (claimed.length > 0) await this.accept(claimed, token);
        if (claimed.length === limit || this.wakeRequested) continue;
        const next = await nextDeliveryDueAt(database, now);
        if (this.wakeRequested || !this.running) continue;
        this.notifyIdle();
        await this.sleep(Math.min(next ?? Infinity, clock.nowMs() + pollMs));
      } catch (err) {
        if (!this.running) break;
        logger.error({ err }, 'webhook delivery claim failed');
        await this.sleep(clock.nowMs() + pollMs);
      }
    }
  }

  private async sleep(deadline: number): Promise<void> {
    if (this.wakeRequested || !this.running) return;
    const ctrl = new AbortController();
    this.sleeper = ctrl;
    try {
      await sleepUntil(this.deps.clock, deadline, ctrl.signal);
    } finally {
      if (this.sleeper === ctrl) this.sleeper = undefined;
    }
  }

  /** Loads bodies and endpoints of a claimed batch and queues each delivery on its endpoint. */
  private async accept(claimed: ClaimedDelivery[], token: string): Promise<void> {
    const { database, clock } = this.deps;
    this.tokens.set(token, claimed.length);
    this.held += claimed.length;
    const eventIds = [...new Set(claimed.map((c) => c.eventId))];
    const bodies = new Map<string, string>();
    for (let i = 0; i < eventIds.length; i += 500) {
      const rows = await database.db.selectFrom('webhook_events').select(['id', 'payload']).where('id', 'in', eventIds.slice(i, i + 500)).execute();
      for (const r of rows) bodies.set(r.id, r.payload);
    }
    const now = clock.nowMs();
    const stale = [...new Set(claimed.map((c) => c.endpointId))].filter((id) => {
      const e = this.endpoints.get(id);
      return !e || now - e.loadedAt > 5_000;
    });
    if (stale.length) {
      const rows = await database.db.selectFrom('webhook_endpoints').select(['id', 'url', 'secret', 'secret_sealed']).where('id', 'in', stale).execute();
      for (const r of rows) {
        let secret: string | null = null;
        try {
          secret = openEndpointSecret(this.deps.secrets, r);
        } catch (err) {
          this.deps.logger.error({ err, endpointId: r.id }, 'webhook endpoint secret cannot be opened; its deliveries fail until the key is restored');
        }
        this.upsertEndpoint(r.id, r.url, secret, now);
      }
    }
    for (const d of claimed) {
      const ep = this.endpoints.get(d.endpointId);
      const body = bodies.get(d.eventId);
      if (!ep || body === undefined) {
        // Endpoint deleted or event pruned/erased meanwhile: nothing to send; record as dead.
        this.finish({ delivery: d, result: { ok: false, statusCode: null, error: ep ? 'event no longer stored' : 'endpoint deleted' }, at: now }, true);
        continue;
      }
      ep.queue.push({ delivery: d, body });
      this.pump(ep);
    }
  }

  private upsertEndpoint(id: string, url: string, secret: string | null, now: number) {
    const existing = this.endpoints.get(id);
    if (existing && existing.url === url) {
      existing.secret = secret;
      existing.loadedAt = now;
      return;
    }
    if (existing) void existing.poster.close();
    const { config } = this.deps;
    this.endpoints.set(id, {
      id,
      url,
      secret,
      poster: new EndpointPoster(url, { timeoutMs: config.timeoutMs, connections: config.concurrencyPerEndpoint, allowPrivate: config.allowPrivate }),
      queue: existing?.queue ?? [],
      inFlight: existing?.inFlight ?? 0,
      loadedAt: now,
    });
  }

  private pump(ep: EndpointState) {
    while (ep.inFlight < this.deps.config.concurrencyPerEndpoint && ep.queue.length > 0) {
      const item = ep.queue.shift()!;
      ep.inFlight++;
      void this.attempt(ep, item.delivery, item.body).finally(() => {
        ep.inFlight--;
        this.pump(ep);
      });
    }
  }

  private async attempt(ep: EndpointState, d: ClaimedDelivery, body: string): Promise<void> {
    const { clock } = this.deps;
    this.statsValue.attempts++;
    let result;
    if (ep.secret === null) {
      result = { ok: false, statusCode: null, error: 'the endpoint secret cannot be decrypted (was SAMVAD_SECRET_KEY changed?); not sent' };
    } else {
      const headers = signDelivery(ep.secret, body, d.eventId, Math.floor(clock.nowMs() / 1000));
      try {
        result = await ep.poster.post(body, headers);
      } catch (err) {
        result = { ok: false, statusCode: null, error: (err as Error).message };
      }
    }
    this.finish({ delivery: d, result, at: clock.nowMs() });
  }

  private finish(outcome: Outcome, forceDead = false) {
    if (forceDead) outcome = { ...outcome, delivery: { ...outcome.delivery, createdAt: -Infinity } };
    this.outcomes.push(outcome);
    this.held--;
    this.scheduleFlush();
  }

  private scheduleFlush(delayMs = 2) {
    if (this.flushTimer || this.flushing) return;
    // A few ms gathers the outcomes of a burst into one transaction.
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushing = this.flush().then(
        (stored) => {
          this.flushing = undefined;
          this.flushFailures = stored ? 0 : this.flushFailures + 1;
          if (this.outcomes.length > 0 && this.running) this.scheduleFlush(stored ? 2 : Math.min(5_000, 50 * 2 ** this.flushFailures));
        },
      );
    }, delayMs);
  }

  /**
   * Stores the outcomes gathered so far. When the write fails (a deadlock or serialization
   * failure on PostgreSQL, the database briefly away) the outcomes go back to the front of the
   * queue and their lease tokens stay held, so their leases keep being renewed and this process
   * does not claim them again: dropping them would send events the receiver already took a
   * second time. Only if the process dies first do the leases lapse and the events go out again
   * (at least once). Resolves whether the batch was stored.
   */
  private async flush(): Promise<boolean> {
    const batch = this.outcomes;
    this.outcomes = [];
    if (batch.length === 0) return true;
    const { database, config, logger } = this.deps;
    try {
      const r = await recordOutcomes(database, batch, { retryMs: config.retryMs, disableAfterMs: config.disableAfterMs }, logger);
      this.statsValue.delivered += r.delivered;
      this.statsValue.retried += r.retried;
      this.statsValue.dead += r.dead;
    } catch (err) {
      logger.warn({ err, outcomes: batch.length, failures: this.flushFailures + 1 }, 'could not record webhook delivery outcomes; retrying');
      this.outcomes = batch.concat(this.outcomes);
      return false;
    }
    // Only now, with the outcome stored, may this process claim these deliveries' successors or retries.
    for (const o of batch) this.releaseToken(o.delivery.leaseToken);
    // Finished deliveries release the next of their contacts' queues.
    this.wake();
    return true;
  }

  private releaseToken(t: string) {
    const left = (this.tokens.get(t) ?? 1) - 1;
    if (left <= 0) this.tokens.delete(t);
    else this.tokens.set(t, left);
  }

  /** Resolves the next time the loop finds nothing more to claim (tests, benchmarks). */
  whenIdle(): Promise<void> {
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private notifyIdle() {
    if (this.held > 0 || this.outcomes.length > 0 || this.flushing) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  /** Stops claiming, lets attempts in flight finish (up to `graceMs`), writes their outcomes. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loopDone;
    const deadline = Date.now() + graceMs;
    while (this.held > 0 && Date.now() < deadline) {
      // Queued but not started: drop them (their leases expire and they come back).
      for (const ep of this.endpoints.values()) {
        for (const item of ep.queue.splice(0)) {
          this.held--;
          this.releaseToken(item.delivery.leaseToken);
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.flushing;
    for (let i = 0; i < 3 && this.outcomes.length > 0 && !(await this.flush()); i++) await new Promise((r) => setTimeout(r, 100 * (i + 1)));
    for (const c of this.cleanups.splice(0)) await c();
    await Promise.all([...this.endpoints.values()].map((e) => e.poster.close()));
    this.endpoints.clear();
  }
}
