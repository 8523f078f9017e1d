import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/database.ts';

export interface ClaimedDelivery {
  id: string;
  workspaceId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  /** The contact the event concerns (per-contact order), or null. */
  contactKey: string | null;
  /** Counting this attempt. */
  attempts: number;
  createdAt: number;
  leaseToken: string;
}

interface Row {
  id: string;
  workspace_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  contact_key: string | null;
  attempts: number;
  created_at: number;
}

export interface ClaimInput {
  limit: number;
  nowMs: number;
  leaseMs: number;
  token: string;
  /** Endpoints this process already holds enough of (a slow receiver does not hog the claims). */
  excludeEndpoints: string[];
  /** Lease tokens this process still holds: never re-claim its own deliveries, even if a lease lapsed. */
  heldTokens?: string[];
}

/**
 * Leases up to `limit` due deliveries with one token. Only the head of each (endpoint, contact)
 * queue is eligible: a delivery waits while an older one of the same endpoint and contact is
 * still pending (leased or backing off), which keeps per-contact order; dead-lettering the older
 * one releases it. Deliveries of disabled endpoints wait. The lease's expiry becomes the due
 * time, so a crashed process's claims come back by themselves (as in platform/queue).
 *
 * PostgreSQL: `id = any(array(select … for update skip locked))`, the form the job queue uses
 * (DESIGN.md §4: the IN-subquery form can flip to a plan that re-runs the subquery per row).
 * A concurrently leased head is skipped by SKIP LOCKED, and its successors are excluded by the
 * NOT EXISTS (the head is still pending), so two workers never send one contact's events out of
 * order.
 */
export async function claimDeliveries(database: Database, input: ClaimInput): Promise<ClaimedDelivery[]> {
  if (input.limit <= 0) return [];
  const expires = input.nowMs + input.leaseMs;
  // SQLite: the unary + keeps the planner off the (endpoint_id, seq) log index, which it otherwise
  // prefers for `endpoint_id in (…)`: that walked every delivery the endpoint ever had and sorted
  // them (16 ms a claim by 30,000 rows, most of the deliverer's time) instead of walking the due
  // index in order and stopping after `limit` rows.
  const endpoint = database.dialect === 'postgres' ? sql`d.endpoint_id` : sql`+d.endpoint_id`;
  const exclude = input.excludeEndpoints.length ? sql`and ${endpoint} not in (${sql.join(input.excludeEndpoints)})` : sql``;
  const held = input.heldTokens?.length ? sql`and (d.lease_token is null or d.lease_token not in (${sql.join(input.heldTokens)}))` : sql``;
  // 'pending' is written as a literal so SQLite matches the partial indexes.
  const eligible = sql`d.state = 'pending' and d.next_attempt_at <= ${input.nowMs}
    and ${endpoint} in (select e.id from webhook_endpoints e where e.status = 'active')
    ${exclude}
    ${held}
    and not exists (
      select 1 from webhook_deliveries o
      where o.endpoint_id = d.endpoint_id and o.contact_key = d.contact_key and o.state = 'pending' and o.seq < d.seq
    )`;
  const set = sql`lease_token = ${input.token}, next_attempt_at = ${expires}, attempts = attempts + 1`;
  const returning = sql`returning id, workspace_id, endpoint_id, event_id, event_type, contact_key, attempts, created_at`;
  let rows: Row[];
  if (database.dialect === 'postgres') {
    // One transaction, so a head's outcome (and its promotion of the successors) cannot land
    // between the claim and the deferral.
    rows = await database.transaction(async (tx) => {
      const claimed = (
        await sql<Row>`update webhook_deliveries set ${set} where id = any(array(
          select d.id from webhook_deliveries d where ${eligible} order by d.next_attempt_at limit ${input.limit} for update of d skip locked
        )) ${returning}`.execute(tx.db)
      ).rows;
      await deferSuccessors(tx.db, database.dialect, claimed, expires);
      return claimed;
    });
  } else {
    rows = await database.transaction(async (tx) => {
      const claimed = (
        await sql<Row>`update webhook_deliveries set ${set} where id in (
          select d.id from webhook_deliveries d where ${eligible} order by d.next_attempt_at limit ${input.limit}
        ) ${returning}`.execute(tx.db)
      ).rows;
      await deferSuccessors(tx.db, database.dialect, claimed, expires);
      return claimed;
    });
  }
  return rows.map((r) => ({
    id: r.id,
    workspaceId: r.workspace_id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    eventType: r.event_type,
    contactKey: r.contact_key,
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    leaseToken: input.token,
  }));
}

/**
 * The due successors of a claimed head (same endpoint and contact, later) cannot go before it, yet
 * every claim would walk past them again while the head is out: with a backlog that was most of
 * the deliverer's database time. So they are put off until the head's lease ends, and brought
 * back as soon as the head is finished (promoteSuccessors). This is only about cost: order is
 * still kept by the claim's NOT EXISTS, and if a promotion is missed (a crash, a race between
 * processes) the successors fall due by themselves when the lease would have lapsed.
 */
async function deferSuccessors(db: Kysely<any>, dialect: Database['dialect'], claimed: Row[], untilMs: number): Promise<void> {
  for (const [endpointId, keys] of contactsByEndpoint(claimed.map((r) => ({ endpointId: r.endpoint_id, contactKey: r.contact_key })))) {
    for (let i = 0; i < keys.length; i += 500) {
      const which = sql`state = 'pending' and endpoint_id = ${endpointId} and contact_key in (${sql.join(keys.slice(i, i + 500))})
        and lease_token is null and next_attempt_at < ${untilMs}`;
      await updateUnlocked(db, dialect, sql`next_attempt_at = ${untilMs}`, which);
    }
  }
}

/**
 * PostgreSQL: rows another transaction holds are skipped, never waited for, so the deliverer's
 * transactions cannot take part in a deadlock with an endpoint deletion, a replay or another
 * process (putting off or bringing back a successor is only about cost; see above).
 */
async function updateUnlocked(db: Kysely<any>, dialect: Database['dialect'], set: ReturnType<typeof sql>, where: ReturnType<typeof sql>): Promise<void> {
  if (dialect === 'postgres') {
    await sql`update webhook_deliveries set ${set} where id = any(array(select id from webhook_deliveries where ${where} for update skip locked))`.execute(db);
  } else {
    await sql`update webhook_deliveries set ${set} where ${where}`.execute(db);
  }
}

/**
 * Brings the waiting successors of finished deliveries (delivered or dead-lettered) back to due
 * now, so a contact's next event goes out without waiting for the finished head's lease to end.
 * Rows backing off after a failed attempt keep their time.
 */
export async function promoteSuccessors(db: Kysely<any>, dialect: Database['dialect'], finished: { endpointId: string; contactKey: string | null }[], nowMs: number): Promise<void> {
  for (const [endpointId, keys] of contactsByEndpoint(finished)) {
    for (let i = 0; i < keys.length; i += 500) {
      const which = sql`state = 'pending' and endpoint_id = ${endpointId} and contact_key in (${sql.join(keys.slice(i, i + 500))})
        and lease_token is null and attempts = 0 and next_attempt_at > ${nowMs}`;
      await updateUnlocked(db, dialect, sql`next_attempt_at = ${nowMs}`, which);
    }
  }
}

function contactsByEndpoint(items: { endpointId: string; contactKey: string | null }[]): Map<string, string[]> {
  const by = new Map<string, Set<string>>();
  for (const it of items) {
    if (it.contactKey === null) continue; // events without a contact carry no order
    const set = by.get(it.endpointId) ?? new Set<string>();
    set.add(it.contactKey);
    by.set(it.endpointId, set);
  }
  return new Map([...by].map(([k, v]) => [k, [...v].sort()]));
}

/** Ids of the endpoints whose deliveries are being sent (a handful per workspace). */
export async function activeEndpointIds(database: Database): Promise<string[]> {
  return (await database.db.selectFrom('webhook_endpoints').select('id').where('status', '=', 'active').execute()).map((r) => r.id);
}

/** When the next pending delivery falls due after `nowMs` (to sleep exactly), if any. */
export async function nextDeliveryDueAt(database: Database, nowMs: number): Promise<number | undefined> {
  const row = await sql<{ t: number | null }>`select min(next_attempt_at) as t from webhook_deliveries where state = 'pending' and next_attempt_at > ${nowMs}`.execute(database.db);
  const t = row.rows[0]?.t;
  return t === null || t === undefined ? undefined : Number(t);
}

/**
 * Keeps the leases of deliveries still held (queued behind a slow receiver, or in flight).
 *
 * PostgreSQL: rows another transaction has locked are skipped (SKIP LOCKED) rather than waited
 * for: the only writer holding this process's leased rows is its own outcome write, which is
 * finishing them anyway. Waiting instead locked rows in a different order from that write, and
 * the deadlock PostgreSQL broke by aborting the outcome write sent its deliveries again.
 */
export async function renewLeases(database: Database, tokens: string[], untilMs: number): Promise<void> {
  if (tokens.length === 0) return;
  const mine = sql`lease_token in (${sql.join(tokens)}) and state = 'pending'`;
  if (database.dialect === 'postgres') {
    await sql`update webhook_deliveries set next_attempt_at = ${untilMs} where id = any(array(
      select id from webhook_deliveries where ${mine} for update skip locked
    ))`.execute(database.db);
  } else {
    await database.transaction(async (tx) => void (await sql`update webhook_deliveries set next_attempt_at = ${untilMs} where ${mine}`.execute(tx.db)));
  }
}
