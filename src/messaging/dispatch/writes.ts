import { sql } from 'kysely';
import type { Database, Tx } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import { precompiled, precompiledWithList } from '../../platform/db/precompiled.ts';
import { loadMessageForStatus, runStatusHooks } from '../status/apply-status-updates.ts';
import type { MetaError, SendOutcome } from '../../channels/whatsapp/types.ts';
import type { OutboundContent } from '../content.ts';
import type { Lease } from './lease.ts';
import type { DueRow } from './queue-reads.ts';

export class LeaseLostError extends Error {
  constructor(numberId: string) {
    super(`dispatch lease of number ${numberId} was lost`);
  }
}

const DAY_MS = 24 * 3_600_000;

export interface MarkInput {
  lease: Lease;
  leaseMs: number;
  nowMs: number;
  rows: DueRow[];
  businessId: string;
  /** Unique recipients outside a service window allowed per moving 24 h (Infinity: no limit). */
  limit: number;
}

export interface ReadySend {
  row: DueRow;
  content: OutboundContent;
  replyToWamid: string | null;
}

export interface MarkResult {
  ready: ReadySend[];
  /** Held back by the portfolio messaging limit, until this time. */
  waiting: { row: DueRow; runAt: number }[];
  /** Rows whose message is no longer queued (cancelled, resolved elsewhere): removed. */
  stale: DueRow[];
}

/**
 * The decision to send, made durable before any request leaves: in one transaction, re-check the
 * lease token (fencing), apply the portfolio's messaging limit (unique recipients outside a
 * service window in a moving 24 h — those beyond it wait), and mark the admitted messages
 * `sending`. A crash after this commit leaves them in `sending` without a wamid, which the next
 * owner turns into `unknown` instead of resending.
 */
export async function markSending(database: Database, input: MarkInput): Promise<MarkResult> {
  const { lease, nowMs, rows } = input;
  return database.transaction(async (tx) => {
    const fenced = await fenceLease.execute(tx.db, { expiresAt: nowMs + input.leaseMs, numberId: lease.numberId, token: lease.token });
    if (Number(fenced.numAffectedRows ?? 0) === 0) throw new LeaseLostError(lease.numberId);

    const ids = rows.map((r) => r.message_id);
    const msgs = ids.length ? (await messagesToMark.execute(tx.db, {}, ids)).rows : [];
    const byId = new Map(msgs.map((m) => [m.id, m]));
    const result: MarkResult = { ready: [], waiting: [], stale: [] };
    const live: DueRow[] = [];
    for (const r of rows) {
      const m = byId.get(r.message_id);
      if (!m || m.status !== 'queued') result.stale.push(r);
      // Due when read, not any more: the read raced a send of this message that finished and was
      // retried with a backoff meanwhile (the runner's in-flight filter no longer saw it). Left
      // queued for its new time; sending it now would skip the backoff.
      else if (Number(m.run_at) > nowMs) continue;
      else live.push(r);
    }

    let admitted = live;
    if (input.limit !== Infinity && live.length > 0) admitted = await applyMessagingLimit(tx, database.dialect, input, live, byId, result);

    if (admitted.length > 0) {
      // Only rows this update moved are sent: a message cancelled or expired since the read above
      // (a campaign cancel on another connection) stays unsent and its queue row goes.
      const moved = new Set((await markMessagesSending.execute(tx.db, { now: nowMs }, admitted.map((r) => r.message_id))).rows.map((r) => r.id));
      if (moved.size < admitted.length) {
        for (const r of admitted) if (!moved.has(r.message_id)) result.stale.push(r);
        admitted = admitted.filter((r) => moved.has(r.message_id));
      }
    }
    for (const w of result.waiting) {
      await tx.db.updateTable('dispatch_queue').set({ run_at: w.runAt }).where('message_id', '=', w.row.message_id).execute();
    }
    if (result.stale.length > 0) await dequeue.execute(tx.db, {}, result.stale.map((r) => r.message_id));
    for (const r of admitted) {
      const m = byId.get(r.message_id)!;
      result.ready.push({ row: r, content: JSON.parse(m.content) as OutboundContent, replyToWamid: m.reply_to_wamid });
    }
    return result;
  });
}

async function applyMessagingLimit(
  tx: Tx,
  dialect: Database['dialect'],
  input: MarkInput,
  live: DueRow[],
  byId: Map<string, { contact_id: string }>,
  result: MarkResult,
): Promise<DueRow[]> {
  const { nowMs, businessId, lease } = input;
  const contacts = [...new Set(live.map((r) => byId.get(r.message_id)!.contact_id))];
  const open = new Set(
    (
      await tx.db
        .selectFrom('conversations')
        .select('contact_id')
        .where('number_id', '=', lease.numberId)
        .where('contact_id', 'in', contacts)
        .where('window_expires_at', '>', nowMs)
        .execute()
    ).map((c) => c.contact_id),
  );
  const outside = live.filter((r) => !open.has(byId.get(r.message_id)!.contact_id));
  if (outside.length === 0) return live;
  // Numbers of one portfolio may be owned by different workers: one budget decision at a time.
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${'portfolio:' + businessId}))`.execute(tx.db);
  const since = nowMs - DAY_MS;
  const recipients = [...new Set(outside.map((r) => r.recipient))];
  const inSet = new Set(
    (
      await tx.db
        .selectFrom('portfolio_recipients')
        .select('recipient')
        .where('business_id', '=', businessId)
        .where('recipient', 'in', recipients)
        .where('last_at', '>', since)
        .execute()
    ).map((r) => r.recipient),
  );
  const counted = await tx.db
    .selectFrom('portfolio_recipients')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('last_at').as('oldest')])
    .where('business_id', '=', businessId)
    .where('last_at', '>', since)
    .executeTakeFirstOrThrow();
  let used = Number(counted.n);
  const blocked = new Set<string>();
  const reached: string[] = [];
  for (const r of outside) {
    if (inSet.has(r.recipient)) {
      reached.push(r.recipient);
      continue;
    }
    if (used < input.limit) {
      used++;
      inSet.add(r.recipient);
      reached.push(r.recipient);
    } else {
      blocked.add(r.message_id);
    }
  }
  if (reached.length > 0) {
    await tx.db
      .insertInto('portfolio_recipients')
      .values([...new Set(reached)].map((recipient) => ({ business_id: businessId, recipient, last_at: nowMs })))
      .onConflict((oc) => oc.columns(['business_id', 'recipient']).doUpdateSet((eb) => ({ last_at: eb.ref('excluded.last_at') })))
      .execute();
  }
  if (blocked.size > 0) {
    // The budget frees when the oldest recipient of the moving window ages out.
    const runAt = Math.max(nowMs + 1_000, Number(counted.oldest ?? nowMs) + DAY_MS + 1);
    for (const r of live) if (blocked.has(r.message_id)) result.waiting.push({ row: r, runAt });
  }
  return live.filter((r) => !blocked.has(r.message_id));
}

export interface OutcomeInput {
  row: DueRow;
  numberId: string;
  nowMs: number;
  outcome: SendOutcome;
  /** Retryable: when to try again. */
  retryAt?: number;
}

function errorText(e: MetaError): string {
  return `${e.code} ${e.title}${e.details ? `: ${e.details}` : ''}`.slice(0, 1000);
}

/**
 * Records what the channel answered. Not fenced by the lease: each write is true whoever owns the
 * number now (a wamid is a fact; a retry only touches a message still `sending`; an `unknown`
 * set by a takeover is never undone here).
 */
export async function recordOutcome(database: Database, input: OutcomeInput): Promise<void> {
  await recordOutcomes(database, [input]);
}

const setWamid = precompiled<{ wamid: string; now: number; id: string }>((db, a) =>
  db.updateTable('messages').set({ wamid: a('wamid'), updated_at: a('now') }).where('id', '=', a('id')).where('wamid', 'is', null),
);

/** markSending's statements, compiled once (per list length): they run for every dispatch round. */
const fenceLease = precompiled<{ expiresAt: number; numberId: string; token: string }>((db, a) =>
  db.updateTable('number_leases').set({ expires_at: a('expiresAt') }).where('number_id', '=', a('numberId')).where('token', '=', a('token')),
);
/** With the queue row's run_at: a message without one is no longer queued for dispatch. */
const messagesToMark = precompiledWithList<Record<string, never>, { id: string; status: string; contact_id: string; content: string; reply_to_wamid: string | null; run_at: number | string }>((db, _a, ids) =>
  db
    .selectFrom('messages as m')
    .innerJoin('dispatch_queue as q', 'q.message_id', 'm.id')
    .select(['m.id', 'm.status', 'm.contact_id', 'm.content', 'm.reply_to_wamid', 'q.run_at'])
    .where('m.id', 'in', ids as string[]),
);
const markMessagesSending = precompiledWithList<{ now: number }, { id: string }>((db, a, ids) =>
  db
    .updateTable('messages')
    .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), updated_at: a('now') }))
    .where('id', 'in', ids as string[])
    .where('status', '=', 'queued')
    .returning('id'),
);
const dequeue = precompiledWithList((db, _a, ids) => db.deleteFrom('dispatch_queue').where('message_id', 'in', ids as string[]));

/**
 * Records the outcomes of several sends in one transaction: accepted sends (nearly all of them)
 * cost one precompiled update each and one delete for the lot; the rare others go one by one.
 */
export async function recordOutcomes(database: Database, inputs: OutcomeInput[]): Promise<void> {
  if (inputs.length === 0) return;
  await database.transaction(async (tx) => {
    const done: string[] = [];
    for (const input of inputs) {
      if (input.outcome.kind === 'accepted') {
        // Status stays `sending` until Meta's `sent` webhook (monotonic order); the wamid marks it accepted.
        await setWamid.execute(tx.db, { wamid: input.outcome.wamid, now: input.nowMs, id: input.row.message_id });
        done.push(input.row.message_id);
      } else {
        await applyOutcome(tx, input);
      }
    }
    for (let i = 0; i < done.length; i += 500) await dequeue.execute(tx.db, {}, done.slice(i, i + 500));
  });
}

async function applyOutcome(tx: Tx, input: OutcomeInput): Promise<void> {
  const { row, nowMs, outcome } = input;
  const id = row.message_id;
  {
    switch (outcome.kind) {
      case 'accepted':
        break; // recordOutcomes handles these in bulk
      case 'retryable':
        await tx.db
          .updateTable('dispatch_queue')
          .set({ run_at: input.retryAt ?? nowMs, attempts: row.attempts + 1, last_error: errorText(outcome.error) })
          .where('message_id', '=', id)
          .execute();
        await tx.db.updateTable('messages').set({ status: 'queued', updated_at: nowMs }).where('id', '=', id).where('status', '=', 'sending').execute();
        break;
      case 'account':
        // The message stays queued; the number pauses until an operator resumes it.
        await tx.db.updateTable('dispatch_queue').set({ last_error: errorText(outcome.error) }).where('message_id', '=', id).execute();
        await tx.db.updateTable('messages').set({ status: 'queued', updated_at: nowMs }).where('id', '=', id).where('status', '=', 'sending').execute();
        await tx.db
          .updateTable('business_numbers')
          .set({ dispatch_paused_at: nowMs, dispatch_pause_reason: errorText(outcome.error), updated_at: nowMs })
          .where('id', '=', input.numberId)
          .where('dispatch_paused_at', 'is', null)
          .execute();
        break;
      case 'unknown':
        await tx.db
          .updateTable('messages')
          .set({ status: 'unknown', error_code: outcome.error.code, error_title: outcome.error.title, error_details: outcome.error.details ?? outcome.error.message ?? null, updated_at: nowMs })
          .where('id', '=', id)
          .where('status', '=', 'sending')
          .execute();
        await tx.db.deleteFrom('dispatch_queue').where('message_id', '=', id).execute();
        break;
      case 'terminal': {
        const e = outcome.error;
        const r = await tx.db
          .updateTable('messages')
          .set({ status: 'failed', failed_at: nowMs, error_code: e.code, error_title: e.title, error_details: e.details ?? e.message ?? null, updated_at: nowMs })
          .where('id', '=', id)
          .where('status', 'in', ['sending', 'unknown'])
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) > 0) {
          const m = (await loadMessageForStatus(tx, id))!;
          await tx.db
            .insertInto('message_status_events')
            .values({ id: newId(nowMs), message_id: id, workspace_id: m.workspace_id, status: 'failed', occurred_at: nowMs, received_at: nowMs, error_code: e.code, error_title: e.title })
            .execute();
          // Meta refused it at once: the same hooks as a `failed` webhook (message_api_failed, inbox, opt-outs).
          const change = { messageId: id, from: 'sending' as const, to: 'failed' as const, occurredAt: nowMs, errorCode: e.code };
          const failure = { wamid: '', status: 'failed', occurredAt: nowMs, recipient: m.recipient, callbackMessageId: id, errors: [e], pricing: null, conversation: null };
          await runStatusHooks(tx, { workspaceId: m.workspace_id, numberId: input.numberId, changes: [change], reported: [change], messages: new Map([[id, m]]), costs: new Map(), failures: new Map([[id, failure]]) });
        }
        await tx.db.deleteFrom('dispatch_queue').where('message_id', '=', id).execute();
        break;
      }
    }
  }
}

/** Rows past their time to live fail as `expired` instead of arriving late. Returns how many. */
export async function expireMessages(database: Database, ids: string[], nowMs: number): Promise<number> {
  if (ids.length === 0) return 0;
  return database.transaction(async (tx) => {
    const r = await tx.db.updateTable('messages').set({ status: 'expired', updated_at: nowMs }).where('id', 'in', ids).where('status', '=', 'queued').executeTakeFirst();
    await tx.db.deleteFrom('dispatch_queue').where('message_id', 'in', ids).execute();
    return Number(r.numUpdatedRows);
  });
}

/**
 * Reschedules rows (pair-rate waits) without touching the message. Only ever later: a row read
 * before its send finished and was retried keeps the retry's (later) time.
 */
export async function deferRows(database: Database, rows: { id: string; runAt: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await database.transaction(async (tx) => {
    for (const r of rows) await tx.db.updateTable('dispatch_queue').set({ run_at: r.runAt }).where('message_id', '=', r.id).where('run_at', '<', r.runAt).execute();
  });
}

/**
 * Makes retries waiting out a backoff due now (only rows still in the future: a row already taken
 * again, sent or expired is left alone). Used when the Cloud API is back after an outage.
 */
export async function releaseRetries(database: Database, ids: string[], nowMs: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await database.transaction((tx) => tx.db.updateTable('dispatch_queue').set({ run_at: nowMs }).where('message_id', 'in', chunk).where('run_at', '>', nowMs).execute());
  }
}

/** Drops recipients that aged out of every portfolio's moving 24-hour window. */
export async function prunePortfolioRecipients(database: Database, businessId: string, nowMs: number): Promise<void> {
  await database.transaction((tx) => tx.db.deleteFrom('portfolio_recipients').where('business_id', '=', businessId).where('last_at', '<=', nowMs - DAY_MS).execute());
}
