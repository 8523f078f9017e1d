import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { checkSegmentDefinition, type SegmentDefinition } from './definition.ts';
import { countSegment, streamSegmentMembers } from './evaluate.ts';

export interface Segment {
  id: string;
  name: string;
  definition: SegmentDefinition;
  createdAt: string;
  updatedAt: string;
}

type Row = { id: string; name: string; definition: string; created_at: number | string; updated_at: number | string };

function toSegment(r: Row): Segment {
  return { id: r.id, name: r.name, definition: JSON.parse(r.definition) as SegmentDefinition, createdAt: new Date(Number(r.created_at)).toISOString(), updatedAt: new Date(Number(r.updated_at)).toISOString() };
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 128) throw new AppError('validation_failed', 'name must be 1 to 128 characters', [{ field: 'name' }]);
  return name.trim();
}

export async function createSegment(database: Database, clock: Clock, workspaceId: string, input: { name: string; definition: unknown }): Promise<Segment> {
  const name = checkName(input.name);
  const definition = checkSegmentDefinition(input.definition);
  const now = clock.nowMs();
  const row = { id: newId(now), workspace_id: workspaceId, name, definition: JSON.stringify(definition), created_at: now, updated_at: now };
  const inserted = await database.transaction(async (tx) => tx.db.insertInto('segments').values(row).onConflict((oc) => oc.columns(['workspace_id', 'name']).doNothing()).executeTakeFirst());
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) throw new AppError('conflict', `A segment named "${name}" already exists`);
  return toSegment(row);
}

export async function getSegment(db: Kysely<any>, workspaceId: string, id: string): Promise<Segment> {
  const row = await db.selectFrom('segments').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `Segment ${id} not found`);
  return toSegment(row as Row);
}

export async function listSegments(db: Kysely<any>, workspaceId: string): Promise<Segment[]> {
  const rows = await db.selectFrom('segments').selectAll().where('workspace_id', '=', workspaceId).orderBy('name').limit(1000).execute();
  return rows.map((r) => toSegment(r as Row));
}

export async function updateSegment(database: Database, clock: Clock, workspaceId: string, id: string, input: { name?: string; definition?: unknown }): Promise<Segment> {
  const current = await getSegment(database.db as Kysely<any>, workspaceId, id);
  const name = input.name !== undefined ? checkName(input.name) : current.name;
  const definition = input.definition !== undefined ? checkSegmentDefinition(input.definition) : current.definition;
  const now = clock.nowMs();
  try {
    await database.transaction((tx) => tx.db.updateTable('segments').set({ name, definition: JSON.stringify(definition), updated_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute());
  } catch {
    throw new AppError('conflict', `A segment named "${name}" already exists`);
  }
  return { ...current, name, definition, updatedAt: new Date(now).toISOString() };
}

export async function deleteSegment(database: Database, workspaceId: string, id: string): Promise<void> {
  const r = await database.transaction((tx) => tx.db.deleteFrom('segments').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst());
  if (Number(r.numDeletedRows) === 0) throw new AppError('not_found', `Segment ${id} not found`);
}

export async function countSegmentById(database: Database, clock: Clock, workspaceId: string, id: string): Promise<number> {
  const seg = await getSegment(database.db as Kysely<any>, workspaceId, id);
  return countSegment(database.db as Kysely<any>, workspaceId, seg.definition, clock.nowMs());
}

/**
 * Contract 2: a segment's contact ids in batches (see streamContactIdsWhere). `nowMs` fixes the
 * time windows; default: the wall clock when the stream starts.
 */
export async function* streamSegmentContactIds(database: Database | Kysely<any>, workspaceId: string, segmentId: string, batchSize = 1000, nowMs?: number): AsyncIterable<string[]> {
  const db = ('db' in database ? database.db : database) as Kysely<any>;
  const seg = await getSegment(db, workspaceId, segmentId);
  yield* streamSegmentMembers(db, workspaceId, seg.definition, nowMs ?? Date.now(), batchSize);
}
