import { findNumberRow } from '../../channels/whatsapp/numbers/manage-numbers.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { findTemplate, type Template, type TemplateRefresher } from '../../templates/index.ts';
import type { CampaignRow } from '../campaign.ts';

export interface TemplateDeps {
  database: Database;
  clock: Clock;
  templateRefresher?: TemplateRefresher | undefined;
}

/** The number a campaign sends from (id, WABA, pacing), or a clear error. */
export async function campaignNumber(database: Database, c: Pick<CampaignRow, 'workspace_id' | 'number_id' | 'id'>) {
  if (!c.number_id) throw new AppError('bad_request', `Campaign ${c.id} has no sending number`);
  const row = await findNumberRow(database, c.workspace_id, c.number_id);
  if (!row) throw new AppError('bad_request', `The sending number of campaign ${c.id} was removed; connect a number and create the campaign again`);
  return {
    id: row.id,
    wabaId: row.waba_id,
    isSandbox: Number(row.is_sandbox) === 1,
    throughputMps: Number(row.throughput_mps),
    messagingLimitTier: row.messaging_limit_tier,
    businessId: row.business_id,
  };
}

/** The campaign's template if it is approved; else a 400 that says what it is. */
export async function campaignTemplate(deps: TemplateDeps, c: CampaignRow): Promise<Template> {
  const number = await campaignNumber(deps.database, c);
  return approvedTemplate(deps, c.workspace_id, number.id, number.wabaId, c.template_name, c.template_language);
}

export async function approvedTemplate(deps: TemplateDeps, workspaceId: string, numberId: string, wabaId: string, name: string, language: string): Promise<Template> {
  let found = await findTemplate(deps.database.db, deps.clock.nowMs(), workspaceId, wabaId, name, language);
  if (!found.template && deps.templateRefresher) {
    if (await deps.templateRefresher.refresh(workspaceId, numberId, wabaId)) found = await findTemplate(deps.database.db, deps.clock.nowMs(), workspaceId, wabaId, name, language);
  }
  const t = found.template;
  if (!t) throw new AppError('bad_request', `Template "${name}" (${language}) was not found in this number's WhatsApp Business Account`);
  if (t.status !== 'APPROVED') throw new AppError('bad_request', `Template "${name}" (${language}) is ${t.status}; a campaign sends approved templates only`);
  return t;
}
