import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import { dialectOf } from '../../platform/db/bulk-insert.ts';
import { compileSegment, compileSegmentCount, type SegmentDefinition } from './definition.ts';

/** Contacts of the workspace that are not erased, matching `where` (on alias c). */
export async function countContactsWhere(db: Kysely<any>, workspaceId: string, where: RawBuilder<unknown>): Promise<number> {
  const r = await sql<{ n: number | string }>`select count(*) as n from contacts c where c.workspace_id = ${workspaceId} and c.erased_at is null and ${where}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** Counts a segment's members now (no precomputed counts: every call evaluates the definition). */
export async function countSegment(db: Kysely<any>, workspaceId: string, def: SegmentDefinition, nowMs: number): Promise<number> {
  const dialect = dialectOf(db);
  const query = compileSegmentCount(def, workspaceId, nowMs, dialect);
  if (!query) return countContactsWhere(db, workspaceId, compileSegment(def, workspaceId, nowMs, 'set'));
  const count = async (on: Kysely<any>) => Number((await query.execute(on)).rows[0]?.n ?? 0);
  // Inside a caller's transaction the settings are left alone: they would outlive the count.
  if (dialect === 'sqlite' || db.isTransaction) return count(db);
  return db.transaction().execute(async (trx) => {
    await SET_PLAN.execute(trx);
    return count(trx);
  });
}

/**
 * PostgreSQL settings for the count's transaction (SET LOCAL: they end with it). Measured on the
 * bench segment (1,000,000 contacts, 5,000,000 events; backend CPU of a fresh connection):
 *
 * - enable_nestloop off: PostgreSQL misjudges how many contacts a numeric trait range matches (it
 *   multiplies the key's share by the range's share of all num_val, most of which are null for
 *   string traits: 3 times too few) and then probes the event index once per contact of the trait
 *   sets — 160,000 probes, 1.0–1.4 s instead of 0.5 s for a merge of the sorted sets plus a hash
 *   join. A count reads each set whole anyway (as the INTERSECT form did); a nested loop would only
 *   win on tiny sets, where any plan is fast.
 * - max_parallel_workers_per_gather 0: in a parallel plan the merge join's event scan is not
 *   split, so each of the three processes reads the whole event set (0.9 s of CPU, and no faster
 *   on 2 busy cores); without the merge, parallel hash joins cost 0.9–1.0 s of CPU.
 * - jit off: compiling the expressions costs 15–40 ms on a fresh connection (the first query after
 *   a restart) and saves nothing on a plan of index scans and hashing.
 */
const SET_PLAN = sql`select set_config('enable_nestloop', 'off', true), set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)`;

/**
 * Streams the ids of contacts matching `where` (probe form) in id order, `batchSize` at a time:
 * keyset pages (`c.id > last`), each a short read, so 1,000,000 members never sit in memory and no
 * read transaction stays open between batches (SQLite's WAL could not checkpoint past it).
 * "Now" is fixed at the start so time windows do not move while streaming.
 */
export async function* streamContactIdsWhere(db: Kysely<any>, workspaceId: string, where: RawBuilder<unknown>, batchSize = 1000): AsyncIterable<string[]> {
  const size = Math.min(Math.max(1, Math.floor(batchSize)), 10_000);
  let after = '';
  for (;;) {
    const r = await sql<{ id: string }>`select c.id from contacts c where c.workspace_id = ${workspaceId} and c.erased_at is null and c.id > ${after} and ${where} order by c.id limit ${size}`.execute(db);
    if (r.rows.length === 0) return;
    const ids = r.rows.map((x) => x.id);
    yield ids;
    if (ids.length < size) return;
    after = ids[ids.length - 1]!;
  }
}

export function streamSegmentMembers(db: Kysely<any>, workspaceId: string, def: SegmentDefinition, nowMs: number, batchSize?: number): AsyncIterable<string[]> {
  return streamContactIdsWhere(db, workspaceId, compileSegment(def, workspaceId, nowMs, 'probe'), batchSize);
}

/**
 * Contract 2: a tag's contacts, in batches (keyset over the tag's primary-key range, which is
 * ordered by contact id).
 */
export async function* streamContactIdsByTag(database: Database | Kysely<any>, workspaceId: string, tag: string, batchSize = 1000): AsyncIterable<string[]> {
  const db = ('db' in database ? database.db : database) as Kysely<any>;
  const size = Math.min(Math.max(1, Math.floor(batchSize)), 10_000);
  let after = '';
  for (;;) {
    const rows = await sql<{ id: string }>`select g.contact_id as id from contact_tags g join contacts c on c.id = g.contact_id where g.workspace_id = ${workspaceId} and g.tag = ${tag} and g.contact_id > ${after} and c.erased_at is null order by g.contact_id limit ${size}`.execute(db);
    if (rows.rows.length === 0) return;
    const ids = rows.rows.map((x) => x.id);
    yield ids;
    if (ids.length < size) return;
    after = ids[ids.length - 1]!;
  }
}
