import { editProviderTemplate } from '../channels/whatsapp/cloud-api/templates.ts';
import { getNumber } from '../channels/whatsapp/index.ts';
import { AppError } from '../platform/errors.ts';
import { credentialsFor, metaRefusal, type TemplateDeps } from './deps.ts';
import { getTemplate } from './find-template.ts';
import { templateCache } from './template-cache.ts';
import type { Template } from './template.ts';
import { assertValidTemplate } from './validate-template.ts';

export interface EditTemplateInput {
  category?: string | undefined;
  components?: unknown[] | undefined;
  message_send_ttl_seconds?: number | undefined;
}

/** Meta edits only these (limits §5.4); others answer 2388039. */
const EDITABLE = ['APPROVED', 'REJECTED', 'PAUSED'];

/**
 * Edits a template in Meta (components replaced whole, category, time to live). Meta's rules are
 * checked first: only APPROVED, REJECTED or PAUSED templates, never the category of an APPROVED
 * one, and the new definition must pass every creation rule. A components or category change
 * sends the template back to review (PENDING until the status webhook); the edit limits of
 * approved templates (1 per 24 h, 10 per 30 days) are Meta's to enforce and come back as its error.
 */
export async function editTemplate(deps: TemplateDeps, workspaceId: string, templateId: string, input: EditTemplateInput): Promise<Template> {
  const t = await getTemplate(deps.database.db, workspaceId, templateId);
  if (input.category === undefined && input.components === undefined && input.message_send_ttl_seconds === undefined) {
    throw new AppError('validation_failed', 'Nothing to edit: give category, components or message_send_ttl_seconds');
  }
  if (!EDITABLE.includes(t.status)) {
    throw new AppError('conflict', `Template "${t.name}" (${t.language}) is ${t.status}; Meta allows editing only APPROVED, REJECTED or PAUSED templates`);
  }
  if (!t.providerTemplateId) throw new AppError('conflict', `Template "${t.name}" (${t.language}) has no Meta template id yet; sync templates first`);
  const category = input.category?.toUpperCase() ?? t.category;
  if (t.status === 'APPROVED' && category !== t.category) {
    throw new AppError('validation_failed', `The category of an approved template cannot be changed (it is ${t.category}); create a new template instead`, [{ field: 'category', message: 'cannot be changed on an APPROVED template' }]);
  }
  const def = assertValidTemplate({
    name: t.name,
    language: t.language,
    category,
    parameter_format: t.parameterFormat,
    components: input.components ?? t.components,
    message_send_ttl_seconds: input.message_send_ttl_seconds ?? t.ttlSeconds,
  });
  const number = await getNumber(deps.database, workspaceId, await numberIdOfWaba(deps, workspaceId, t.wabaId));
  const creds = await credentialsFor(deps, number);
  const reReview = input.components !== undefined || (input.category !== undefined && category !== t.category);
  try {
    await editProviderTemplate(deps.whatsapp.channel.dispatcher, creds, t.providerTemplateId, {
      ...(input.category !== undefined ? { category } : {}),
      ...(input.components !== undefined ? { components: def.components } : {}),
      ...(input.message_send_ttl_seconds !== undefined ? { message_send_ttl_seconds: input.message_send_ttl_seconds } : {}),
    });
  } catch (err) {
    metaRefusal(err, 'edit the template');
  }
  const now = deps.clock.nowMs();
  await deps.database.transaction(async (tx) => {
    await tx.db
      .updateTable('templates')
      .set({
        category: def.category,
        components: JSON.stringify(def.components),
        ttl_seconds: def.ttlSeconds,
        updated_at: now,
        ...(reReview ? { status: 'PENDING', rejected_reason: null, rejection_info: null, status_detail: null } : {}),
      })
      .where('id', '=', t.id)
      .execute();
    tx.afterCommit(() => templateCache.invalidateWaba(t.wabaId));
  });
  return getTemplate(deps.database.db, workspaceId, t.id);
}

/** A number of the workspace in the template's WABA (the default one when several share it). */
export async function numberIdOfWaba(deps: Pick<TemplateDeps, 'database'>, workspaceId: string, wabaId: string): Promise<string> {
  const row = await deps.database.db
    .selectFrom('business_numbers')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('waba_id', '=', wabaId)
    .orderBy('is_default', 'desc')
    .orderBy('created_at')
    .executeTakeFirst();
  if (!row) throw new AppError('conflict', "No connected number of this workspace is in the template's WhatsApp Business Account any more");
  return row.id;
}
