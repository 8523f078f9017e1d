import { findNumberByPhoneNumberId, getDefaultNumber } from '../channels/whatsapp/numbers/manage-numbers.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { getWorkspaceTimeZone } from './workspace-port.ts';
import { RETARGET_STATES, rowsFromCsv, type AudienceDef, type AudienceRowInput, type RetargetState } from './audience.ts';
import type { CampaignRow } from './campaign.ts';
import { getSegment } from '../contacts/index.ts';
import { checkMappingShape, type Problem, type VariableMapping } from './mapping.ts';
import { approvedTemplate, type TemplateDeps } from './run/campaign-template.ts';
import { loadCampaign } from './run/control.ts';
import { parseStartTime } from './schedule-time.ts';
import type { CampaignType } from './tables.ts';
import { checkTrigger, type TriggerDef } from './triggers/trigger-def.ts';
import { campaignInterestChanged } from './triggers/interest-cache.ts';
import { trackedLinksFor } from './clicks/tracked-values.ts';

export interface AudienceInput {
  phones?: string[] | undefined;
  csv?: string | undefined;
  phoneColumn?: string | undefined;
  tag?: string | undefined;
  segmentId?: string | undefined;
  retarget?: { campaignId: string; state: RetargetState } | undefined;
}

export interface CreateCampaignInput {
  name: string;
  type?: CampaignType | undefined;
  templateName: string;
  languageCode: string;
  /** Meta's phone-number id of the sending number (default: the workspace's default number). */
  phoneNumberId?: string | undefined;
  audience?: AudienceInput | undefined;
  variables?: VariableMapping | undefined;
  trackedLinks?: Record<string, string> | undefined;
  conversion?: { event: string; windowHours: number } | undefined;
  trigger?: TriggerDef | undefined;
  /** "now", an ISO time, or a wall-clock time in the workspace's zone; omitted: a draft. */
  startAt?: string | undefined;
}

function fail(problems: Problem[], summary?: string): never {
  throw new AppError('validation_failed', summary ?? problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
}

function audienceOf(input: AudienceInput | undefined, type: CampaignType): { def: AudienceDef; rows: AudienceRowInput[] } {
  if (type !== 'Broadcast') {
    if (input && Object.keys(input).length > 0) fail([{ field: 'audience', message: `is not used by ${type} campaigns` }]);
    return { def: { kind: 'none' }, rows: [] };
  }
  const given = ['phones', 'csv', 'tag', 'segmentId', 'retarget'].filter((k) => input?.[k as keyof AudienceInput] !== undefined);
  if (given.length > 1) fail([{ field: 'audience', message: `must name one kind of audience, not ${given.join(' and ')}` }]);
  if (input?.phones) return { def: { kind: 'phones' }, rows: input.phones.map((phone) => ({ phone: String(phone).trim(), variables: null })) };
  if (input?.csv !== undefined) {
    const parsed = rowsFromCsv(input.csv, input.phoneColumn);
    return { def: { kind: 'csv', columns: parsed.columns }, rows: parsed.rows };
  }
  if (input?.tag) return { def: { kind: 'tag', tag: input.tag }, rows: [] };
  if (input?.segmentId) {
    return { def: { kind: 'segment', segmentId: input.segmentId }, rows: [] };
  }
  if (input?.retarget) {
    if (!RETARGET_STATES.includes(input.retarget.state)) fail([{ field: 'audience.retarget.state', message: `must be one of ${RETARGET_STATES.join(', ')}` }]);
    return { def: { kind: 'campaign', campaignId: input.retarget.campaignId, state: input.retarget.state }, rows: [] };
  }
  // A draft broadcast may get its phones or CSV rows later, in several uploads.
  return { def: { kind: 'phones' }, rows: [] };
}

/** Appends phones or CSV rows to a draft campaign's audience (uploads in parts add up). */
export async function appendAudienceRows(database: Database, campaign: CampaignRow, rows: AudienceRowInput[]): Promise<number> {
  if (rows.length === 0) return 0;
  return database.transaction(async (tx) => {
    const last = await tx.db.selectFrom('campaign_audience_rows').select((eb) => eb.fn.max('idx').as('m')).where('campaign_id', '=', campaign.id).executeTakeFirst();
    let idx = last?.m === null || last?.m === undefined ? 0 : Number(last.m) + 1;
    const values = rows.map((r) => ({ campaign_id: campaign.id, idx: idx++, phone: r.phone, variables: r.variables ? JSON.stringify(r.variables) : null }));
    for (let i = 0; i < values.length; i += 1000) await tx.db.insertInto('campaign_audience_rows').values(values.slice(i, i + 1000)).execute();
    return rows.length;
  });
}

/**
 * Creates a campaign: a Broadcast (template, audience, mapping, sending number, start), a
 * PublicAPI campaign (a label that API sends carry as `campaignId`), or an Ongoing campaign
 * (event-triggered; runs from creation). The template must exist and be approved in the number's
 * WABA, and the mapping must fill its variables — refused with every problem at once otherwise.
 */
export async function createCampaign(deps: TemplateDeps, workspaceId: string, input: CreateCampaignInput): Promise<{ campaign: CampaignRow; startAt?: number | 'now' }> {
  const { database, clock } = deps;
  const type = input.type ?? 'Broadcast';
  const problems: Problem[] = [];
  if (!input.name?.trim()) problems.push({ field: 'name', message: 'is required' });
  if (type === 'Ongoing' && !input.trigger) problems.push({ field: 'trigger', message: 'is required for an Ongoing campaign' });
  if (type !== 'Ongoing' && input.trigger) problems.push({ field: 'trigger', message: 'is only for Ongoing campaigns' });
  if (input.trigger) problems.push(...checkTrigger(input.trigger));
  if (input.conversion && (!input.conversion.event || !(input.conversion.windowHours > 0) || input.conversion.windowHours > 24 * 90)) {
    problems.push({ field: 'conversion', message: 'needs an event name and a windowHours from >0 to 2160 (90 days)' });
  }
  if (problems.length > 0) fail(problems);
  const number = input.phoneNumberId ? await findNumberByPhoneNumberId(database, workspaceId, input.phoneNumberId) : await getDefaultNumber(database, workspaceId);
  if (!number) {
    fail([{ field: 'phoneNumberId', message: input.phoneNumberId ? `${input.phoneNumberId} is not a WhatsApp number of this workspace` : 'no WhatsApp number is connected to this workspace' }]);
  }
  const template = await approvedTemplate(deps, workspaceId, number.id, number.wabaId, input.templateName, input.languageCode);
  const tracked = input.trackedLinks ?? {};
  const buttons = template.components.find((c) => c.type.toUpperCase() === 'BUTTONS')?.buttons ?? [];
  for (const [idx, link] of Object.entries(tracked)) {
    const b = buttons[Number(idx)];
    if (!/^\d$/.test(idx) || !b || String(b.type).toUpperCase() !== 'URL' || !/\/r\/\{\{1\}\}$/.test(String(b.url ?? ''))) {
      problems.push({ field: `trackedLinks.${idx}`, message: 'must name a URL button whose URL ends in /r/{{1}} (a tracked template: SAMVAD_PUBLIC_URL/r/{{1}})' });
    }
    if (!/^https?:\/\/\S+$/.test(link)) problems.push({ field: `trackedLinks.${idx}`, message: 'must be the http(s) link the click redirects to' });
  }
  const mapping = input.variables ?? {};
  if (type !== 'PublicAPI') problems.push(...checkMappingShape(template, mapping, Object.keys(trackedLinksFor(template, tracked))));
  const audience = audienceOf(input.audience, type);
  if (audience.def.kind === 'segment') {
    const segmentId = audience.def.segmentId;
    await getSegment(database.db as never, workspaceId, segmentId).catch(() => problems.push({ field: 'audience.segmentId', message: `segment ${segmentId} not found` }));
  }
  if (audience.def.kind === 'campaign') {
    const src = await database.db.selectFrom('campaigns').select('id').where('workspace_id', '=', workspaceId).where('id', '=', audience.def.campaignId).executeTakeFirst();
    if (!src) problems.push({ field: 'audience.retarget.campaignId', message: `campaign ${audience.def.campaignId} not found` });
  }
  let startAt: number | 'now' | undefined;
  if (input.startAt !== undefined && type === 'Broadcast') startAt = input.startAt === 'now' ? 'now' : parseStartTime(input.startAt, await getWorkspaceTimeZone(database, workspaceId));
  if (problems.length > 0) fail(problems);

  const now = clock.nowMs();
  const id = newId(now);
  await database.transaction(async (tx) => {
    await tx.db
      .insertInto('campaigns')
      .values({
        id,
        workspace_id: workspaceId,
        name: input.name.trim(),
        type,
        status: type === 'Broadcast' ? 'draft' : 'running',
        status_reason: null,
        number_id: number.id,
        template_name: template.name,
        template_language: template.language,
        audience: JSON.stringify(audience.def),
        mapping: JSON.stringify(mapping),
        tracked_links: JSON.stringify(tracked),
        conversion: input.conversion ? JSON.stringify({ event: input.conversion.event, windowMs: Math.round(input.conversion.windowHours * 3_600_000) }) : null,
        trigger_def: input.trigger ? JSON.stringify(input.trigger) : null,
        scheduled_at: null,
        started_at: type === 'Broadcast' ? null : now,
        completed_at: null,
        frozen: type === 'Broadcast' ? 0 : 1,
        freeze_cursor: null,
        recipient_count: 0,
        lease_owner: null,
        lease_expires_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    // An Ongoing campaign runs from now: tracked events of its names start to matter.
    if (type === 'Ongoing') campaignInterestChanged(tx, database, workspaceId);
  });
  const row = await loadCampaign(database, workspaceId, id);
  await appendAudienceRows(database, row, audience.rows);
  return startAt === undefined ? { campaign: row } : { campaign: row, startAt };
}

/** Removes a campaign that never started (a create-and-start whose start was refused leaves nothing behind). */
export async function deleteDraft(database: Database, workspaceId: string, id: string): Promise<void> {
  await database.transaction(async (tx) => {
    const c = await tx.db.selectFrom('campaigns').select('status').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    if (!c) throw new AppError('not_found', `Campaign ${id} not found`);
    if (c.status !== 'draft' && c.status !== 'scheduled') throw new AppError('conflict', `Campaign ${id} is ${c.status}; only a draft or scheduled campaign can be deleted (cancel a running one)`);
    await tx.db.deleteFrom('campaign_audience_rows').where('campaign_id', '=', id).execute();
    await tx.db.deleteFrom('campaign_recipients').where('campaign_id', '=', id).execute();
    await tx.db.deleteFrom('campaigns').where('id', '=', id).execute();
  });
}
