import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { getTemplate } from './find-template.ts';
import { templateCache } from './template-cache.ts';
import type { Template, TemplateComponentDef } from './template.ts';
import type { TemplateProblem } from './validate-template.ts';

/**
 * Click tracking of a template's URL buttons (issue 7, item 4). A tracked button is created with
 * SAMVAD_PUBLIC_URL/r/{{1}} as its URL; the brand's real link is stored with the template
 * (`tracked_links`); every send fills {{1}} with a signed click token (campaigns/clicks), and
 * /r/{token} records the click and redirects to the link.
 */

/** The path every tracked button's URL ends with. */
export const TRACKED_URL_SUFFIX = '/r/{{1}}';

export function trackedButtonUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${TRACKED_URL_SUFFIX}`;
}

export function isTrackedButtonUrl(url: unknown): boolean {
  return typeof url === 'string' && /\/r\/\{\{\s*1\s*\}\}$/.test(url);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkLink(link: unknown, field: string, problems: TemplateProblem[]): void {
  if (typeof link !== 'string' || !/^https?:\/\/[^\s/]+\S*$/i.test(link) || link.length > 2000) {
    problems.push({ field, message: 'must be the http(s) link (≤2000 characters) the tracked button redirects to' });
  }
}

/**
 * A create request's `trackedLinks` ({ "<button index>": brand link }) applied to its components:
 * each named button must be a URL button; its URL becomes SAMVAD_PUBLIC_URL/r/{{1}} with an
 * example Meta's review can open. Every problem is returned at once (fields as the caller wrote them).
 */
export function withTrackedButtons(components: unknown, trackedLinks: Record<string, string> | undefined, publicUrl: string): { components: unknown; problems: TemplateProblem[] } {
  const problems: TemplateProblem[] = [];
  const entries = Object.entries(trackedLinks ?? {});
  if (entries.length === 0) return { components, problems };
  const list = Array.isArray(components) ? components : [];
  const at = list.findIndex((c) => isObj(c) && String(c.type).toUpperCase() === 'BUTTONS');
  const buttons = at >= 0 && Array.isArray((list[at] as Record<string, unknown>).buttons) ? ((list[at] as Record<string, unknown>).buttons as unknown[]) : [];
  const rewritten = [...buttons];
  for (const [idx, link] of entries) {
    const field = `trackedLinks.${idx}`;
    checkLink(link, field, problems);
    const b = /^\d$/.test(idx) ? buttons[Number(idx)] : undefined;
    if (!isObj(b) || String(b.type).toUpperCase() !== 'URL') {
      problems.push({ field, message: 'must name a URL button of the template by its index in the BUTTONS component (from 0)' });
      continue;
    }
    // The example is a URL a reviewer can open: it answers 404 (no such token), never another site.
    rewritten[Number(idx)] = { ...b, url: trackedButtonUrl(publicUrl), example: [`${publicUrl.replace(/\/+$/, '')}/r/example`] };
  }
  if (problems.length > 0) return { components, problems };
  const out = [...list];
  out[at] = { ...(list[at] as Record<string, unknown>), buttons: rewritten };
  return { components: out, problems };
}

/** Tracked links against a stored definition: each names a URL button whose URL ends in /r/{{1}}. */
export function checkTrackedLinks(components: TemplateComponentDef[], trackedLinks: Record<string, string>): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const buttons = components.find((c) => c.type.toUpperCase() === 'BUTTONS')?.buttons ?? [];
  for (const [idx, link] of Object.entries(trackedLinks)) {
    const field = `trackedLinks.${idx}`;
    checkLink(link, field, problems);
    const b = /^\d$/.test(idx) ? buttons[Number(idx)] : undefined;
    if (!b || String(b.type).toUpperCase() !== 'URL' || !isTrackedButtonUrl(b.url)) {
      problems.push({ field, message: `must name a URL button whose URL ends in ${TRACKED_URL_SUFFIX} (SAMVAD_PUBLIC_URL${TRACKED_URL_SUFFIX})` });
    }
  }
  return problems;
}

/**
 * The buttons a send must fill with a click token: tracked links whose button still ends in
 * /r/{{1}} (a template edited in Meta's tools to another URL is no longer tracked there).
 */
export function trackedButtonLinks(template: Pick<Template, 'components' | 'trackedLinks'>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = Object.entries(template.trackedLinks);
  if (entries.length === 0) return out;
  const buttons = template.components.find((c) => c.type.toUpperCase() === 'BUTTONS')?.buttons ?? [];
  for (const [idx, link] of entries) {
    const b = buttons[Number(idx)];
    if (b && String(b.type).toUpperCase() === 'URL' && isTrackedButtonUrl(b.url)) out[idx] = link;
  }
  return out;
}

/**
 * Sets (or, with {}, clears) the brand links of a stored template's tracked buttons — for a
 * template created with SAMVAD_PUBLIC_URL/r/{{1}} buttons in Meta's tools and synced, or to change
 * where its clicks go (clicks already sent follow the new link).
 */
export async function setTrackedLinks(database: Database, workspaceId: string, templateId: string, trackedLinks: Record<string, string>, nowMs: number): Promise<Template> {
  const t = await getTemplate(database.db, workspaceId, templateId);
  const problems = checkTrackedLinks(t.components, trackedLinks);
  if (problems.length > 0) throw new AppError('validation_failed', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
  await database.transaction(async (tx) => {
    await tx.db
      .updateTable('templates')
      .set({ tracked_links: Object.keys(trackedLinks).length > 0 ? JSON.stringify(trackedLinks) : null, updated_at: nowMs })
      .where('id', '=', t.id)
      .where('workspace_id', '=', workspaceId)
      .execute();
    tx.afterCommit(() => templateCache.invalidateWaba(t.wabaId));
  });
  return getTemplate(database.db, workspaceId, t.id);
}
