import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { parseAudience, type AudienceDef } from '../audience.ts';
import type { CampaignRow } from '../campaign.ts';
import { loadContactsForSend } from '../contacts-port.ts';
import { cannotMiss, checkMappingShape, resolveValues, type VariableMapping } from '../mapping.ts';
import { readAudience } from './audience-source.ts';
import { loadCampaign } from './control.ts';
import { campaignTemplate, type TemplateDeps } from './campaign-template.ts';
import { campaignInterestChanged } from '../triggers/interest-cache.ts';
import { trackedLinksFor } from '../clicks/tracked-values.ts';

export interface StartDeps extends TemplateDeps {
  database: Database;
  clock: Clock;
  /** Wakes the campaign runners of this process. */
  wakeRunner: () => void;
}

const EXAMPLES = 100;

/**
 * Every recipient whose mapped values cannot be filled (a trait or CSV column they lack, with no
 * fallback), streamed over the audience in batches; at most EXAMPLES are listed, all are counted.
 */
export async function recipientsMissingValues(database: Database, c: CampaignRow, audience: AudienceDef, mapping: VariableMapping): Promise<{ count: number; examples: { phone: string; fields: string[] }[] }> {
  const out = { count: 0, examples: [] as { phone: string; fields: string[] }[] };
  if (cannotMiss(mapping)) return out;
  let cursor: string | null = null;
  for (;;) {
    const items = await readAudience(database.db, c.workspace_id, c.id, audience, cursor, 2_000);
    if (items.length === 0) break;
    cursor = items[items.length - 1]!.cursor;
    const byId = items.some((i) => i.contactId !== null);
    const contacts = byId
      ? await loadContactsForSend(database.db, c.workspace_id, items.map((i) => i.contactId!).filter(Boolean))
      : await loadContactsForSend(database.db, c.workspace_id, items.map((i) => i.phone.replace(/^\+/, '')), 'phone');
    for (const item of items) {
      const contact = contacts.get(byId ? item.contactId! : item.phone.replace(/^\+/, ''));
      const { missing } = resolveValues(mapping, { phone: item.phone, name: contact?.name ?? null, traits: contact?.traits ?? {}, columns: item.variables });
      if (missing.length === 0) continue;
      out.count++;
      if (out.examples.length < EXAMPLES) out.examples.push({ phone: item.phone, fields: missing });
    }
    if (items.length < 2_000) break;
  }
  return out;
}

/**
 * The checks a broadcast passes before it starts: the template is approved, the mapping fills
 * every variable of it, the audience is not empty, and no recipient lacks a mapped value. A
 * refusal names the fields and, for missing values, the recipients (first 100) and the count.
 */
export async function checkBeforeStart(deps: StartDeps, c: CampaignRow): Promise<void> {
  const template = await campaignTemplate(deps, c);
  const mapping = JSON.parse(c.mapping) as VariableMapping;
  const tracked = Object.keys(trackedLinksFor(template, JSON.parse(c.tracked_links) as Record<string, string>));
  const problems = checkMappingShape(template, mapping, tracked);
  if (problems.length > 0) {
    throw new AppError('validation_failed', `The variable mapping does not match template "${template.name}" (${template.language}): ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, problems);
  }
  const audience = parseAudience(c.audience);
  const first = await readAudience(deps.database.db, c.workspace_id, c.id, audience, null, 1);
  if (first.length === 0) throw new AppError('validation_failed', 'The audience is empty: add phones or CSV rows, or choose a tag, segment or campaign with recipients', [{ field: 'audience', message: 'is empty' }]);
  const missing = await recipientsMissingValues(deps.database, c, audience, mapping);
  if (missing.count > 0) {
    const e = missing.examples[0]!;
    throw new AppError(
      'validation_failed',
      `${missing.count} recipient${missing.count === 1 ? ' has' : 's have'} no value for a mapped variable (give a fallback, or fix the data); e.g. ${e.phone}: ${e.fields.join(', ')}`,
      { count: missing.count, recipients: missing.examples },
    );
  }
}

/** Starts a draft broadcast now, or schedules it (`at` in ms); the checks above run first either way. */
export async function startCampaign(deps: StartDeps, workspaceId: string, id: string, at: number | 'now'): Promise<CampaignRow> {
  const c = await loadCampaign(deps.database, workspaceId, id);
  if (c.type !== 'Broadcast') throw new AppError('conflict', `Campaign ${id} is of type ${c.type}; only broadcasts are started`);
  if (c.status !== 'draft' && c.status !== 'scheduled') throw new AppError('conflict', `Campaign ${id} is ${c.status}; only a draft or scheduled campaign can be started`);
  await checkBeforeStart(deps, c);
  const now = deps.clock.nowMs();
  const runNow = at === 'now' || at <= now;
  await deps.database.transaction(async (tx) => {
    const r = await tx.db
      .updateTable('campaigns')
      .set(runNow ? { status: 'running', started_at: now, scheduled_at: null, updated_at: now } : { status: 'scheduled', scheduled_at: at as number, updated_at: now })
      .where('id', '=', id)
      .where('status', 'in', ['draft', 'scheduled'])
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new AppError('conflict', `Campaign ${id} changed while it was being started`);
    // Its conversion event (if any) starts to matter.
    campaignInterestChanged(tx, deps.database, workspaceId);
  });
  deps.wakeRunner();
  return loadCampaign(deps.database, workspaceId, id);
}
