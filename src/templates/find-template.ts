import type { Db } from '../platform/db/database.ts';
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
