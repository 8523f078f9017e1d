import { getContact } from '../contacts/index.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database, Db } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { ConversationRef } from './conversation-ref.ts';
import { publishInboxEvents } from './events/publish.ts';

export interface Label {
  id: string;
  name: string;
  color: string | null;
  description: string | null;
}

/** Label names are slugs: lower-case letters, digits, '-' and '_' (Chatwoot's rule), 1–50 characters. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,49}$/;
const COLOR = /^#[0-9a-fA-F]{6}$/;

export function normalizeLabelName(name: string): string {
  const n = name.trim().toLowerCase();
  if (!NAME.test(n)) throw new AppError('validation_failed', `label "${name}": use 1–50 lower-case letters, digits, "-" or "_"`, [{ field: 'name' }]);
  return n;
}

const toLabel = (r: { id: string; name: string; color: string | null; description: string | null }): Label => ({ id: r.id, name: r.name, color: r.color, description: r.description });

export async function listLabels(db: Db, workspaceId: string): Promise<Label[]> {
  return (await db.selectFrom('labels').select(['id', 'name', 'color', 'description']).where('workspace_id', '=', workspaceId).orderBy('name').execute()).map(toLabel);
}

export async function createLabel(database: Database, clock: Clock, workspaceId: string, input: { name: string; color?: string | null | undefined; description?: string | null | undefined }): Promise<Label> {
  const name = normalizeLabelName(input.name);
  if (input.color && !COLOR.test(input.color)) throw new AppError('validation_failed', 'color must be #RRGGBB', [{ field: 'color' }]);
  return database.transaction(async (tx) => {
    const dup = await tx.db.selectFrom('labels').select('id').where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst();
    if (dup) throw new AppError('conflict', `Label "${name}" exists`);
    const now = clock.nowMs();
    const row = { id: newId(now), workspace_id: workspaceId, name, color: input.color ?? null, description: input.description ?? null, created_at: now };
    await tx.db.insertInto('labels').values(row).execute();
    return toLabel(row);
  });
}

export async function updateLabel(database: Database, workspaceId: string, id: string, input: { color?: string | null | undefined; description?: string | null | undefined }): Promise<Label> {
  if (input.color && !COLOR.test(input.color)) throw new AppError('validation_failed', 'color must be #RRGGBB', [{ field: 'color' }]);
  return database.transaction(async (tx) => {
    const row = await tx.db.selectFrom('labels').select(['id', 'name', 'color', 'description']).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not_found', `Label ${id} not found`);
    const next = { ...row, ...(input.color !== undefined ? { color: input.color } : {}), ...(input.description !== undefined ? { description: input.description } : {}) };
    await tx.db.updateTable('labels').set({ color: next.color, description: next.description }).where('id', '=', id).execute();
    return toLabel(next);
  });
}

/** Deletes a label and takes it off every conversation and contact. */
export async function deleteLabel(database: Database, workspaceId: string, id: string): Promise<void> {
  await database.transaction(async (tx) => {
    const r = await tx.db.deleteFrom('labels').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new AppError('not_found', `Label ${id} not found`);
    // Explicit (SQLite enforces the foreign key's cascade only with foreign_keys=ON; be independent of it).
    await tx.db.deleteFrom('conversation_labels').where('label_id', '=', id).execute();
    await tx.db.deleteFrom('contact_labels').where('label_id', '=', id).execute();
  });
}

/** Label ids for names; unknown names are refused (create the label first) so typos do not become labels. */
async function idsFor(db: Db, workspaceId: string, names: string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(names.map(normalizeLabelName))];
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom('labels').select(['id', 'name']).where('workspace_id', '=', workspaceId).where('name', 'in', wanted).execute();
  const found = new Map(rows.map((r) => [r.name, r.id]));
  const missing = wanted.filter((n) => !found.has(n));
  if (missing.length) throw new AppError('validation_failed', `Unknown label${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} (create ${missing.length > 1 ? 'them' : 'it'} with POST /api/v1/labels)`, [{ field: 'labels', missing }]);
  return found;
}

export async function conversationLabels(db: Db, ref: ConversationRef): Promise<string[]> {
  const rows = await db
    .selectFrom('conversation_labels')
    .innerJoin('labels', 'labels.id', 'conversation_labels.label_id')
    .select('labels.name as name')
    .where('conversation_labels.number_id', '=', ref.numberId)
    .where('conversation_labels.contact_id', '=', ref.contactId)
    .orderBy('labels.name')
    .execute();
  return rows.map((r) => r.name);
}

/** Replaces the conversation's labels with `names`. */
export async function setConversationLabels(database: Database, clock: Clock, ref: ConversationRef, names: string[]): Promise<string[]> {
  return database.transaction(async (tx) => {
    const now = clock.nowMs();
    const ids = await idsFor(tx.db, ref.workspaceId, names);
    await tx.db.deleteFrom('conversation_labels').where('number_id', '=', ref.numberId).where('contact_id', '=', ref.contactId).execute();
    if (ids.size > 0) {
      await tx.db.insertInto('conversation_labels').values([...ids.values()].map((label_id) => ({ workspace_id: ref.workspaceId, number_id: ref.numberId, contact_id: ref.contactId, label_id, created_at: now }))).execute();
    }
    const labels = [...ids.keys()].sort();
    await publishInboxEvents(tx, now, [{ workspaceId: ref.workspaceId, type: 'conversation.labels', payload: { conversationId: ref.conversationId, contactId: ref.contactId, labels } }]);
    return labels;
  });
}

export async function contactLabels(db: Db, workspaceId: string, contactId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('contact_labels')
    .innerJoin('labels', 'labels.id', 'contact_labels.label_id')
    .select('labels.name as name')
    .where('contact_labels.workspace_id', '=', workspaceId)
    .where('contact_labels.contact_id', '=', contactId)
    .orderBy('labels.name')
    .execute();
  return rows.map((r) => r.name);
}

export async function setContactLabels(database: Database, clock: Clock, workspaceId: string, contactId: string, names: string[]): Promise<string[]> {
  return database.transaction(async (tx) => {
    const contact = await getContact(tx.db, workspaceId, contactId);
    if (!contact) throw new AppError('not_found', `Contact ${contactId} not found`);
    const now = clock.nowMs();
    const ids = await idsFor(tx.db, workspaceId, names);
    await tx.db.deleteFrom('contact_labels').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).execute();
    if (ids.size > 0) await tx.db.insertInto('contact_labels').values([...ids.values()].map((label_id) => ({ workspace_id: workspaceId, contact_id: contactId, label_id, created_at: now }))).execute();
    return [...ids.keys()].sort();
  });
}
