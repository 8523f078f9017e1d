import { randomUUID } from 'node:crypto';
import { sleepUntil, type Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { isAppError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { TemplateRefresher } from '../../templates/index.ts';
import type { CampaignRow } from '../campaign.ts';
import type { ClickTokens } from '../clicks/click-token.ts';
import { campaignNumber, campaignTemplate } from './campaign-template.ts';
import { completeIfDone } from './completion.ts';
import { feedBatch, FEED_BATCH, queuedCampaignSends } from './feed-recipients.ts';
import { freezeBatch } from './freeze-audience.ts';
import { fireDueTriggers } from '../triggers/fire-triggers.ts';

export interface RunnerDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  tokens: ClickTokens;
  ttlMs: number;
  wake: (numberId: string) => void;
  templateRefresher?: TemplateRefresher | undefined;
  /**
   * The dispatcher's pacing share (SAMVAD_DISPATCH_THROUGHPUT_PERCENT / 100, config
   * `dispatchThroughputShare`): a number's queue drains at least at this share of its
   * throughput (the whole of it while no customer writes in; dispatch/pacing.ts AdaptiveShare).
   */
  throughputShare: number;
}
/** Seconds of sending kept queued ahead of the dispatcher per number. */
const WINDOW_SECONDS = 3;
const LEASE_MS = 10_000;
const IDLE_MS = 200;
const BUSY_MS = 10;

/** Campaign sends kept in a number's dispatch queue: ~3 s of its pacing (throughput × the dispatcher's share), 200 to 5,000. */
export function windowSize(throughputMps: number, throughputShare: number): number {
  return Math.max(200, Math.min(5_000, Math.round(throughputMps * throughputShare * WINDOW_SECONDS)));
}

const runners = new Set<CampaignRunner>();

/** Wakes this process's campaign runners (a campaign was started or resumed here). */
export function wakeCampaignRunners(): void {
  for (const r of runners) r.wake();
}

/**
 * Drives campaigns in worker processes: starts scheduled campaigns when due, freezes audiences in
 * batches, and keeps each sending number's dispatch queue topped up with a bounded window of
 * campaign sends (so memory stays flat, and API sends and agent replies, queued at a higher
 * priority, never wait behind a whole campaign); marks campaigns complete when every recipient is
 * final; fires event-triggered sends when due. Each campaign is driven by one process at a time
 * (a lease on its row, taken over LEASE_MS after its holder died).
 */
export class CampaignRunner {
  private readonly owner = randomUUID();
  private running = false;
  private loopDone: Promise<void> | undefined;
  private sleeper: AbortController | undefined;
  private wakeRequested = false;

  constructor(private readonly deps: RunnerDeps) {}

  start(): void {
    this.running = true;
    runners.add(this);
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    runners.delete(this);
    this.wake();
    await this.loopDone;
  }

  wake(): void {
    this.wakeRequested = true;
    this.sleeper?.abort();
  }

  private async loop(): Promise<void> {
    const { clock, logger } = this.deps;
    while (this.running) {
      let busy = false;
      this.wakeRequested = false;
      try {
        busy = await this.tick();
      } catch (err) {
        logger.error({ err }, 'campaign round failed');
      }
      if (!this.running || this.wakeRequested) continue;
      const ctrl = new AbortController();
      this.sleeper = ctrl;
      try {
        await sleepUntil(clock, clock.nowMs() + (busy ? BUSY_MS : IDLE_MS), ctrl.signal);
      } catch {
        // Woken.
      } finally {
        this.sleeper = undefined;
      }
    }
  }

  /** One round over the campaigns this process may drive. Returns true when there is more to do at once. */
  async tick(): Promise<boolean> {
    const { database, clock } = this.deps;
    const now = clock.nowMs();
    // Scheduled campaigns whose time has come start.
    await database.transaction((tx) =>
      tx.db.updateTable('campaigns').set({ status: 'running', started_at: now, updated_at: now }).where('status', '=', 'scheduled').where('scheduled_at', '<=', now).execute(),
    );
    const candidates = await database.db
      .selectFrom('campaigns')
      .select('id')
      .where('status', '=', 'running')
      .where('type', 'in', ['Broadcast', 'Ongoing'])
      .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', this.owner), eb('lease_expires_at', '<', now)]))
      .limit(50)
      .execute();
    let busy = false;
    for (const { id } of candidates) {
      const c = await this.claim(id, now);
      if (!c) continue;
      try {
        if (await this.step(c)) busy = true;
      } catch (err) {
        if (isAppError(err) && err.code === 'bad_request') {
          // The template or number is no longer usable: pause with the reason rather than retry forever.
          await database.transaction((tx) =>
            tx.db.updateTable('campaigns').set({ status: 'paused', status_reason: err.message, updated_at: clock.nowMs() }).where('id', '=', c.id).where('status', '=', 'running').execute(),
          );
          this.deps.logger.warn({ campaignId: c.id, reason: err.message }, 'campaign paused');
        } else throw err;
      }
    }
    if (await fireDueTriggers(database, clock, now)) busy = true;
    return busy;
  }

  private async claim(id: string, now: number): Promise<CampaignRow | undefined> {
    return this.deps.database.transaction(async (tx) => {
      const r = await tx.db
        .updateTable('campaigns')
        .set({ lease_owner: this.owner, lease_expires_at: now + LEASE_MS })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', this.owner), eb('lease_expires_at', '<', now)]))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return undefined;
      return tx.db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
    });
  }

  /** Freeze a batch, top the number's window up, check completion. True when more can be done now. */
  private async step(c: CampaignRow): Promise<boolean> {
    const { database, clock } = this.deps;
    let busy = false;
    let frozen = Number(c.frozen) === 1;
    if (!frozen) {
      frozen = await freezeBatch(database, clock, c);
      busy = !frozen;
      c = (await database.db.selectFrom('campaigns').selectAll().where('id', '=', c.id).executeTakeFirst()) ?? c;
    }
    const number = await campaignNumber(database, c);
    const window = windowSize(number.throughputMps, this.deps.throughputShare);
    let room = window - (await queuedCampaignSends(database.db, number.id));
    // Top up in batches once a sizeable share of the window has drained.
    if (room >= Math.min(FEED_BATCH, window / 4)) {
      const template = await campaignTemplate(this.deps, c);
      while (room > 0) {
        const fed = await feedBatch(this.deps, c, number, template, Math.min(FEED_BATCH, room));
        const n = fed.enqueued + fed.skipped;
        if (n === 0) break;
        room -= fed.enqueued;
        busy = true;
        if (fed.enqueued === 0) continue;
      }
    }
    if (frozen && c.type === 'Broadcast' && !busy) await completeIfDone(database, clock, c.id);
    return busy;
  }
}
