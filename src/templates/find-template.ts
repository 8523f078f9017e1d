import type { Db } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { templateSlots } from './render-preview.ts';
import { TemplateCache, templateCache } from './template-cache.ts';
import { toTemplate, type Template } from './template.ts';

export interface TemplateLookup {
  /** The template in the asked language, whatever its status; null when that language does not exist. */
  template: Template | null;
  /** Every language of that name in the WABA, with its status (to name the approved ones in an error). */
  languages: { language: string; status: string }[];
}

/**
 * Resolves a template by name and language in a WABA. Served from the in-memory cache (one query
 * per name per TTL); sync and status changes invalidate it.
 */
export async function findTemplate(db: Db, nowMs: number, workspaceId: string, wabaId: string, name: string, language: string): Promise<TemplateLookup> {
  const key = TemplateCache.key(workspaceId, wabaId, name);
  let all = templateCache.get(key, nowMs);
  if (!all) {
    const rows = await db.selectFrom('templates').selectAll().where('workspace_id', '=', workspaceId).where('waba_id', '=', wabaId).where('name', '=', name).execute();
    all = rows.map(toTemplate);
    // An unknown name is remembered briefly only, so a template created meanwhile shows up soon.
    templateCache.set(key, all, nowMs, all.length === 0 ? 2_000 : undefined);
  }
  return {
    template: all.find((t) => t.language === language) ?? null,
    languages: all.map((t) => ({ language: t.language, status: t.status })),
  };
}

/** All templates of a workspace (native API listing; not cached). */
export async function listTemplates(db: Db, workspaceId: string, wabaId?: string): Promise<Template[]> {
  let q = db.selectFrom('templates').selectAll().where('workspace_id', '=', workspaceId);
  if (wabaId) q = q.where('waba_id', '=', wabaId);
  return (await q.orderBy('name').orderBy('language').execute()).map(toTemplate);
}

/** One template of the workspace by Samvad's id (or Meta's template id); 404 when unknown. */
export async function getTemplate(db: Db, workspaceId: string, id: string): Promise<Template> {
  const row =
    (await db.selectFrom('templates').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst()) ??
    (await db.selectFrom('templates').selectAll().where('workspace_id', '=', workspaceId).where('provider_template_id', '=', id).executeTakeFirst());
  if (!row) throw new AppError('not_found', `Template ${id} not found in this workspace`);
  return toTemplate(row);
}

export interface TemplateQuery {
  wabaId?: string | undefined;
  /** Statuses (upper case); DELETED templates are left out unless asked for. */
  statuses?: string[] | undefined;
  /** Substring of the name. */
  name?: string | undefined;
  language?: string | undefined;
  category?: string | undefined;
  /** true: only templates with variables; false: only without. */
  hasVariables?: boolean | undefined;
  offset?: number | undefined;
  limit?: number | undefined;
}

/**
 * A page of the workspace's templates by the query, newest first, with the total matching. The
 * variables filter reads the definitions, so it is applied in memory over the workspace's
 * templates (a WABA holds at most 6,000).
 */
export async function queryTemplates(db: Db, workspaceId: string, query: TemplateQuery): Promise<{ total: number; templates: Template[] }> {
  let q = db.selectFrom('templates').selectAll().where('workspace_id', '=', workspaceId);
  if (query.wabaId) q = q.where('waba_id', '=', query.wabaId);
  if (query.statuses && query.statuses.length > 0) q = q.where('status', 'in', query.statuses);
  else q = q.where('status', '!=', 'DELETED');
  if (query.language) q = q.where('language', '=', query.language);
  if (query.category) q = q.where('category', '=', query.category.toUpperCase());
  let rows = (await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute()).map(toTemplate);
  if (query.name) rows = rows.filter((t) => t.name.includes(query.name!));
  if (query.hasVariables !== undefined) rows = rows.filter((t) => hasVariables(t) === query.hasVariables);
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 100;
  return { total: rows.length, templates: rows.slice(offset, offset + limit) };
}

/** Whether any text of the template (header, body, button URL, cards) has a {{variable}}. */
export function hasVariables(t: Pick<Template, 'components'>): boolean {
  return templateSlots(t).some((s) => s.variables.length > 0);
}
