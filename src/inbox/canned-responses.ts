import type { Clock } from '../platform/clock.ts';
import type { Database, Db } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { contactVariables } from './contact-traits.ts';

export interface CannedResponse {
  id: string;
  shortcut: string;
  content: string;
  createdAt: string;
  updatedAt: string;
}

const SHORTCUT = /^[a-z0-9][a-z0-9_-]{0,49}$/;
export const CANNED_MAX = 4096;

type Row = { id: string; shortcut: string; content: string; created_at: number; updated_at: number };
const toCanned = (r: Row): CannedResponse => ({ id: r.id, shortcut: r.shortcut, content: r.content, createdAt: new Date(Number(r.created_at)).toISOString(), updatedAt: new Date(Number(r.updated_at)).toISOString() });

/** "/Greet" and "greet" name the same response. */
export function normalizeShortcut(s: string): string {
  const n = s.trim().replace(/^\//, '').toLowerCase();
  if (!SHORTCUT.test(n)) throw new AppError('validation_failed', 'shortcut: 1–50 lower-case letters, digits, "-" or "_" (typed after "/")', [{ field: 'shortcut' }]);
  return n;
}

function checkContent(content: string) {
  if (content.trim() === '' || content.length > CANNED_MAX) throw new AppError('validation_failed', `content must be 1–${CANNED_MAX} characters (a WhatsApp text)`, [{ field: 'content' }]);
}

/** Responses whose shortcut starts with `prefix` (what the reply box shows after "/gr"), or all. */
export async function listCannedResponses(db: Db, workspaceId: string, prefix?: string): Promise<CannedResponse[]> {
  let q = db.selectFrom('canned_responses').selectAll().where('workspace_id', '=', workspaceId);
  const p = prefix?.trim().replace(/^\//, '').toLowerCase();
  if (p) q = q.where('shortcut', '>=', p).where('shortcut', '<', `${p}\uffff`);
  return (await q.orderBy('shortcut').limit(500).execute()).map(toCanned);
}

export async function createCannedResponse(database: Database, clock: Clock, workspaceId: string, input: { shortcut: string; content: string }): Promise<CannedResponse> {
  const shortcut = normalizeShortcut(input.shortcut);
  checkContent(input.content);
  return database.transaction(async (tx) => {
    const dup = await tx.db.selectFrom('canned_responses').select('id').where('workspace_id', '=', workspaceId).where('shortcut', '=', shortcut).executeTakeFirst();
    if (dup) throw new AppError('conflict', `A canned response /${shortcut} exists`);
    const now = clock.nowMs();
    const row = { id: newId(now), workspace_id: workspaceId, shortcut, content: input.content, created_at: now, updated_at: now };
    await tx.db.insertInto('canned_responses').values(row).execute();
    return toCanned(row);
  });
}

export async function updateCannedResponse(database: Database, clock: Clock, workspaceId: string, id: string, input: { shortcut?: string | undefined; content?: string | undefined }): Promise<CannedResponse> {
  const shortcut = input.shortcut === undefined ? undefined : normalizeShortcut(input.shortcut);
  if (input.content !== undefined) checkContent(input.content);
  return database.transaction(async (tx) => {
    const row = await tx.db.selectFrom('canned_responses').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not_found', `Canned response ${id} not found`);
    if (shortcut && shortcut !== row.shortcut) {
      const dup = await tx.db.selectFrom('canned_responses').select('id').where('workspace_id', '=', workspaceId).where('shortcut', '=', shortcut).executeTakeFirst();
      if (dup) throw new AppError('conflict', `A canned response /${shortcut} exists`);
    }
    const next = { ...row, ...(shortcut ? { shortcut } : {}), ...(input.content !== undefined ? { content: input.content } : {}), updated_at: clock.nowMs() };
    await tx.db.updateTable('canned_responses').set({ shortcut: next.shortcut, content: next.content, updated_at: next.updated_at }).where('id', '=', id).execute();
    return toCanned(next);
  });
}

export async function deleteCannedResponse(database: Database, workspaceId: string, id: string): Promise<void> {
  await database.transaction(async (tx) => {
    const r = await tx.db.deleteFrom('canned_responses').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new AppError('not_found', `Canned response ${id} not found`);
  });
}

const VARIABLE = /\{\{\s*([a-zA-Z][\w.]*)\s*(?:\|\s*([^}]*?)\s*)?\}\}/g;

/**
 * Fills `{{contact.name}}`, `{{contact.first_name}}`, `{{contact.phone}}`, `{{contact.<trait>}}`
 * and `{{agent.name}}`; `{{contact.city | there}}` falls back to "there". A variable with no value
 * and no fallback becomes empty and is listed in `missing`, so the reply box can warn before sending.
 */
export function renderCanned(content: string, contact: Record<string, string>, agent: { name: string } | null): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = content.replace(VARIABLE, (_all, name: string, fallback: string | undefined) => {
    const [scope, ...rest] = name.split('.');
    const key = rest.join('.');
    let value: string | undefined;
    if (scope === 'contact' && key) value = contact[key];
    else if (scope === 'agent' && key === 'name') value = agent?.name;
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return '';
  });
  return { text, missing };
}

/** The response of `/shortcut` rendered for a contact. */
export async function renderCannedResponse(db: Db, workspaceId: string, shortcut: string, contactId: string, agent: { name: string } | null): Promise<{ shortcut: string; text: string; missing: string[] }> {
  const s = normalizeShortcut(shortcut);
  const row = await db.selectFrom('canned_responses').select(['content']).where('workspace_id', '=', workspaceId).where('shortcut', '=', s).executeTakeFirst();
  if (!row) throw new AppError('not_found', `No canned response /${s}`);
  const vars = await contactVariables(db, workspaceId, contactId);
  if (!vars) throw new AppError('not_found', `Contact ${contactId} not found`);
  return { shortcut: s, ...renderCanned(row.content, vars, agent) };
}
