import type { Database, Db, Tx } from '../../platform/db/database.ts';
import { parseConversion } from '../campaign.ts';
import type { TriggerDef } from './trigger-def.ts';

/** NOTIFY channel: a workspace's campaigns changed in a way that can make new event names matter. */
export const CAMPAIGN_INTEREST_CHANNEL = 'samvad_campaign_interest';

/** How long a workspace's entry is trusted without a notification (a lost NOTIFY heals by then). */
const TTL_MS = 30_000;
/** Longest conversion window a campaign may have (create-campaign.ts: 2160 hours). */
const MAX_WINDOW_MS = 2160 * 3_600_000;

interface Entry {
  /** Event name → until when (event time, ms) it can matter to a campaign of the workspace. */
  names: Map<string, number>;
  /** Real time after which the entry is read again. */
  staleAt: number;
}

const cache = new Map<string, Entry>();
/**
 * Bumped by every invalidation: a read that began before one (its snapshot may predate the
 * campaign that caused it) is used for its own call but not cached.
 */
const generation = new Map<string, number>();

/**
 * Which contact event names can matter to a workspace's campaigns: the trigger and stop events of
 * its Ongoing campaigns (running or paused) and the conversion events of campaigns that have sent
 * or will send (scheduled, running, paused) or stopped less than their conversion window ago. A
 * pre-filter only — it may say "maybe" for an event that then does nothing, never "no" for one
 * that matters — so the track-events path of a workspace without such campaigns pays a map
 * lookup, not a query. Entries are dropped when a campaign becomes relevant (created Ongoing,
 * started, retried; in every process, through NOTIFY) and re-read after TTL_MS regardless.
 */
export async function eventNamesThatMatter(db: Db, workspaceId: string, nowMs: number): Promise<Map<string, number>> {
  return cachedEventNames(workspaceId) ?? loadEventNames(db, workspaceId, nowMs);
}

/** The cached entry if fresh (synchronous: the hot path awaits nothing on a hit). */
export function cachedEventNames(workspaceId: string): Map<string, number> | undefined {
  const hit = cache.get(workspaceId);
  return hit && hit.staleAt > Date.now() ? hit.names : undefined;
}

async function loadEventNames(db: Db, workspaceId: string, nowMs: number): Promise<Map<string, number>> {
  const gen = generation.get(workspaceId) ?? 0;
  const rows = await db
    .selectFrom('campaigns')
    .select(['type', 'status', 'trigger_def', 'conversion', 'completed_at', 'updated_at'])
    .where('workspace_id', '=', workspaceId)
    .where((eb) =>
      eb.or([
        eb.and([eb('type', '=', 'Ongoing'), eb('status', 'in', ['running', 'paused'])]),
        eb.and([eb('conversion', 'is not', null), eb('status', 'in', ['scheduled', 'running', 'paused'])]),
        eb.and([eb('conversion', 'is not', null), eb('status', 'in', ['completed', 'cancelled']), eb('updated_at', '>=', nowMs - MAX_WINDOW_MS)]),
      ]),
    )
    .execute();
  const names = new Map<string, number>();
  const upTo = (name: string | undefined, until: number) => {
    if (name) names.set(name, Math.max(names.get(name) ?? -Infinity, until));
  };
  for (const r of rows) {
    const live = r.status === 'running' || r.status === 'paused' || r.status === 'scheduled';
    if (r.type === 'Ongoing' && live && r.trigger_def) {
      const t = JSON.parse(r.trigger_def) as TriggerDef;
      upTo(t.event, Infinity);
      upTo(t.stopIf, Infinity);
    }
    const goal = parseConversion(r.conversion);
    // Every send of a stopped campaign is before its last update; a conversion is within the window after a send.
    if (goal) upTo(goal.event, live ? Infinity : Math.max(Number(r.updated_at), Number(r.completed_at ?? 0)) + goal.windowMs);
  }
  if ((generation.get(workspaceId) ?? 0) === gen) cache.set(workspaceId, { names, staleAt: Date.now() + TTL_MS });
  return names;
}

/** Drops a workspace's entry in this process (the NOTIFY listener calls it in every process). */
export function forgetCampaignInterest(workspaceId: string): void {
  cache.delete(workspaceId);
  generation.set(workspaceId, (generation.get(workspaceId) ?? 0) + 1);
}

/**
 * After `tx` commits, the workspace's campaigns may care about new event names: drop the cached
 * entry here at once and in the other processes through NOTIFY. (Between the commit and another
 * process receiving the NOTIFY, an event tracked there can miss a campaign created that instant —
 * as if the campaign had been created a moment later.)
 */
export function campaignInterestChanged(tx: Tx, database: Pick<Database, 'notifications'>, workspaceId: string): void {
  tx.afterCommit(() => {
    forgetCampaignInterest(workspaceId);
    void database.notifications.notify(CAMPAIGN_INTEREST_CHANNEL, workspaceId).catch(() => {
      // The other processes re-read within TTL_MS anyway.
    });
  });
}
