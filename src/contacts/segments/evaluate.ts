import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import { compileSegment, compileSegmentIdSet, type SegmentDefinition } from './definition.ts';

/** Contacts of the workspace that are not erased, matching `where` (on alias c). */
export async function countContactsWhere(db: Kysely<any>, workspaceId: string, where: RawBuilder<unknown>): Promise<number> {
  const r = await sql<{ n: number | string }>`select count(*) as n from contacts c where c.workspace_id = ${workspaceId} and c.erased_at is null and ${where}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** Counts a segment's members now (no precomputed counts: every call evaluates the definition). */
export async function countSegment(db: Kysely<any>, workspaceId: string, def: SegmentDefinition, nowMs: number): Promise<number> {
  const ids = compileSegmentIdSet(def, workspaceId, nowMs);
  if (!ids) return countContactsWhere(db, workspaceId, compileSegment(def, workspaceId, nowMs, 'set'));
  // The members from the compound set query, then only they are checked against contacts (live, this workspace, column conditions).
  const r = await sql<{ n: number | string }>`select count(*) as n from (${ids.select}) s join contacts c on c.id = s.contact_id where c.workspace_id = ${workspaceId} and c.erased_at is null${ids.where ? sql` and ${ids.where}` : sql``}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

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
