import type { Clock } from '../platform/clock.ts';
import { PostgresAdapter } from 'kysely';
import type { Database, Dialect, Tx } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import { onStatusChanges, type AppliedStatusBatch } from '../messaging/status/index.ts';
import { countMessageSlots, SLOT_MS, slotOf, type SlotCounts } from './message-slots.ts';

const DAY_MS = 86_400_000;

/**
 * How old a slot must be before it is rolled up: past the longest a message can wait queued
 * (its time to live) plus a margin, so the writes that do not go through status webhooks
 * (acceptance, dispatcher failures and expiry) are all in before a slot is sealed. Changes that
 * come later arrive as status webhooks and are applied to the rollup by `applyLateStatusChanges`.
 */
export function rollupHorizonMs(messageTtlMs: number): number {
  return messageTtlMs + 2 * 3_600_000;
}

/** Where the workspace's rollup ends (slots before it are rolled), or null before the first roll. */
export async function rolledUntil(db: Database['db'], workspaceId: string): Promise<number | null> {
  const row = await db.selectFrom('analytics_rollup_state').select('rolled_until').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row ? Number(row.rolled_until) : null;
}

/**
 * Rolls the workspace's sealed slots (older than `horizonMs`) into analytics_message_slots, a
 * day per transaction (short transactions: SQLite's WAL and PostgreSQL's vacuum both prefer
 * them). The state row is locked in each, so a status batch that touches a message in the range
 * either commits before the count reads it, or waits and then applies its change as a delta.
 */
export async function rollUpWorkspace(database: Database, workspaceId: string, nowMs: number, horizonMs: number): Promise<{ slots: number; rolledUntil: number }> {
  const target = slotOf(nowMs - horizonMs);
  let slots = 0;
  let state = await rolledUntil(database.db, workspaceId);
  if (state === null) {
    const first = await database.db.selectFrom('messages').select('created_at').where('workspace_id', '=', workspaceId).orderBy('created_at').limit(1).executeTakeFirst();
    // No messages yet: no state either, so history imported later is still rolled from its start.
    if (!first) return { slots: 0, rolledUntil: -Infinity };
    const start = Math.min(slotOf(Number(first.created_at)), target);
    await database.transaction(async (tx) => {
      await tx.db.insertInto('analytics_rollup_state').values({ workspace_id: workspaceId, rolled_until: start, updated_at: nowMs }).onConflict((oc) => oc.column('workspace_id').doNothing()).execute();
    });
    state = (await rolledUntil(database.db, workspaceId))!;
  }
  let until: number = state;
  while (until < target) {
    const to = Math.min(target, until + DAY_MS);
    const from = until;
    const done = await database.transaction(async (tx): Promise<number> => {
      const current = Number((await lockState(tx, database.dialect, workspaceId, 'update'))!.rolled_until);
      if (current !== from) return current; // another process rolled this range
      const rows = await countMessageSlots(tx.db, workspaceId, from, to);
      await upsertSlots(tx, workspaceId, rows, 'replace');
      await tx.db.updateTable('analytics_rollup_state').set({ rolled_until: to, updated_at: nowMs }).where('workspace_id', '=', workspaceId).execute();
      slots += rows.length;
      return to;
    });
    until = done;
  }
  return { slots, rolledUntil: until };
}

async function lockState(tx: Tx, dialect: Dialect, workspaceId: string, mode: 'update' | 'share') {
  let q = tx.db.selectFrom('analytics_rollup_state').select('rolled_until').where('workspace_id', '=', workspaceId);
  if (dialect === 'postgres') q = mode === 'update' ? q.forUpdate() : q.forShare();
  return q.executeTakeFirst();
}

const CHUNK = 500;

async function upsertSlots(tx: Tx, workspaceId: string, rows: SlotCounts[], mode: 'replace' | 'add') {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const values = rows.slice(i, i + CHUNK).map((r) => ({ workspace_id: workspaceId, ...r }));
    await tx.db
      .insertInto('analytics_message_slots')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'slot', 'number_id', 'source', 'direction']).doUpdateSet((eb) =>
          mode === 'replace'
            ? { total: eb.ref('excluded.total'), sent: eb.ref('excluded.sent'), delivered: eb.ref('excluded.delivered'), read: eb.ref('excluded.read'), failed: eb.ref('excluded.failed') }
            : {
                total: eb('analytics_message_slots.total', '+', eb.ref('excluded.total')),
                sent: eb('analytics_message_slots.sent', '+', eb.ref('excluded.sent')),
                delivered: eb('analytics_message_slots.delivered', '+', eb.ref('excluded.delivered')),
                read: eb('analytics_message_slots.read', '+', eb.ref('excluded.read')),
                failed: eb('analytics_message_slots.failed', '+', eb.ref('excluded.failed')),
              },
        ),
      )
      .execute();
  }
}

const REACHED: Record<string, [number, number, number]> = { sent: [1, 0, 0], delivered: [1, 1, 0], read: [1, 1, 1] };

/**
 * A status batch's changes to messages already rolled up (a read receipt days later), applied to
 * their slots as deltas in the status transaction. Costs one indexed read of the state row per
 * batch; batches about recent messages (nearly all) write nothing here.
 */
export async function applyLateStatusChanges(tx: Tx, dialect: Dialect, batch: AppliedStatusBatch): Promise<void> {
  if (batch.changes.length === 0) return;
  let oldest = Infinity;
  for (const c of batch.changes) oldest = Math.min(oldest, Number(batch.messages.get(c.messageId)?.created_at ?? Infinity));
  if (oldest === Infinity) return;
  const state = await lockState(tx, dialect, batch.workspaceId, 'share');
  if (!state || oldest >= Number(state.rolled_until)) return;
  const until = Number(state.rolled_until);
  // The first `from` of each message in the batch, against its state after the batch.
  const firstFrom = new Map<string, string>();
  for (const c of batch.changes) if (!firstFrom.has(c.messageId)) firstFrom.set(c.messageId, c.from);
  const deltas = new Map<string, SlotCounts>();
  for (const [id, from] of firstFrom) {
    const m = batch.messages.get(id);
    if (!m || Number(m.created_at) >= until) continue;
    const [s0, d0, r0] = REACHED[from] ?? [0, 0, 0];
    const f0 = from === 'failed' || from === 'expired' ? 1 : 0;
    const d = {
      sent: (m.sent_at !== null ? 1 : 0) - s0,
      delivered: (m.delivered_at !== null ? 1 : 0) - d0,
      read: (m.read_at !== null ? 1 : 0) - r0,
      failed: (m.status === 'failed' || m.status === 'expired' ? 1 : 0) - f0,
    };
    if (d.sent === 0 && d.delivered === 0 && d.read === 0 && d.failed === 0) continue;
    const slot = slotOf(Number(m.created_at));
    const key = `${slot}|${m.number_id}|${m.source}`;
    const acc = deltas.get(key) ?? { slot, number_id: m.number_id, source: m.source, direction: 'outbound', total: 0, sent: 0, delivered: 0, read: 0, failed: 0 };
    acc.sent += d.sent;
    acc.delivered += d.delivered;
    acc.read += d.read;
    acc.failed += d.failed;
    deltas.set(key, acc);
  }
  if (deltas.size > 0) await upsertSlots(tx, batch.workspaceId, [...deltas.values()], 'add');
}

// Messaging keeps one process-wide list of status hooks: subscribe once however many apps run here.
let subscribed = false;

export function subscribeLateStatusChanges(): void {
  if (subscribed) return;
  subscribed = true;
  onStatusChanges((tx, batch) => applyLateStatusChanges(tx, tx.db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite', batch));
}

/** Rolls every workspace that has messages (the recurring job's body). */
export async function rollUpAll(deps: { database: Database; clock: Clock; logger: Logger; horizonMs: number; signal?: AbortSignal }): Promise<number> {
  const workspaces = await deps.database.db.selectFrom('workspaces').select('id').execute();
  let slots = 0;
  for (const w of workspaces) {
    if (deps.signal?.aborted) break;
    slots += (await rollUpWorkspace(deps.database, w.id, deps.clock.nowMs(), deps.horizonMs)).slots;
  }
  if (slots > 0) deps.logger.debug({ slots }, 'analytics rollup');
  return slots;
}

export { SLOT_MS };
