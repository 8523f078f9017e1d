import type { Database } from '../../platform/db/database.ts';
import { randomUUID } from '../../platform/ids.ts';

export interface Lease {
  numberId: string;
  token: string;
  /** Messages a previous owner left in `sending` without a wamid, now marked `unknown`. */
  orphaned: number;
}

/**
 * Takes the number's dispatch lease if it is free or expired, with a fresh fencing token. Every
 * decision to send re-checks that token inside its transaction (markSending), so an owner that
 * lost the lease can no longer start sends. On takeover, messages the previous owner had marked
 * `sending` and never resolved (no wamid) may or may not have reached Meta: they become `unknown`
 * and leave the queue — never resent (DESIGN.md §6); a status webhook can still resolve them.
 */
export async function acquireLease(database: Database, numberId: string, owner: string, nowMs: number, leaseMs: number): Promise<Lease | null> {
  const token = randomUUID();
  return database.transaction(async (tx) => {
    let q = tx.db.selectFrom('number_leases').select(['token', 'expires_at']).where('number_id', '=', numberId);
    if (database.dialect === 'postgres') q = q.forUpdate();
    const current = await q.executeTakeFirst();
    if (current && Number(current.expires_at) > nowMs) return null;
    if (!current) {
      const r = await tx.db
        .insertInto('number_leases')
        .values({ number_id: numberId, owner, token, expires_at: nowMs + leaseMs })
        .onConflict((oc) => oc.column('number_id').doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 0) return null;
    } else {
      const r = await tx.db
        .updateTable('number_leases')
        .set({ owner, token, expires_at: nowMs + leaseMs })
        .where('number_id', '=', numberId)
        .where('token', '=', current.token)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return null;
    }
    const orphans = (
      await tx.db.selectFrom('messages').select('id').where('number_id', '=', numberId).where('status', '=', 'sending').where('wamid', 'is', null).execute()
    ).map((r) => r.id);
    for (let i = 0; i < orphans.length; i += 500) {
      const ids = orphans.slice(i, i + 500);
      await tx.db
        .updateTable('messages')
        .set({ status: 'unknown', error_title: 'Outcome unknown: the dispatcher stopped during the send', updated_at: nowMs })
        .where('id', 'in', ids)
        .where('status', '=', 'sending')
        .execute();
      await tx.db.deleteFrom('dispatch_queue').where('message_id', 'in', ids).execute();
    }
    return { numberId, token, orphaned: orphans.length };
  });
}

/** Extends the lease; false if it was lost (expired and taken over). */
export async function renewLease(database: Database, lease: Lease, nowMs: number, leaseMs: number): Promise<boolean> {
  const r = await database.transaction((tx) =>
    tx.db.updateTable('number_leases').set({ expires_at: nowMs + leaseMs }).where('number_id', '=', lease.numberId).where('token', '=', lease.token).executeTakeFirst(),
  );
  return Number(r.numUpdatedRows) > 0;
}

/** Gives the number up at once (clean stop, or idle). */
export async function releaseLease(database: Database, lease: Lease): Promise<void> {
  await database.transaction((tx) => tx.db.deleteFrom('number_leases').where('number_id', '=', lease.numberId).where('token', '=', lease.token).execute());
}

/** Leases held by someone, unexpired, at `nowMs` (to skip numbers other workers own). */
export async function liveLeases(database: Database, nowMs: number): Promise<Map<string, string>> {
  const rows = await database.db.selectFrom('number_leases').select(['number_id', 'owner']).where('expires_at', '>', nowMs).execute();
  return new Map(rows.map((r) => [r.number_id, r.owner]));
}
