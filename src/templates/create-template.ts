import { createProviderTemplate, type ProviderTemplateCreate } from '../channels/whatsapp/cloud-api/templates.ts';
import { AppError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { credentialsFor, metaRefusal, resolveTemplateNumber, type TemplateDeps } from './deps.ts';
import { getTemplate } from './find-template.ts';
import { templateCache } from './template-cache.ts';
import type { Template } from './template.ts';
import { withTrackedButtons } from './tracked-links.ts';
import { templateProblemsError, validateTemplateDefinition, type TemplateDefinitionInput } from './validate-template.ts';

export interface CreateTemplateInput extends TemplateDefinitionInput {
  /** The number whose WABA gets the template (Samvad id or Meta's phone-number id); default number when absent. */
  numberId?: string | null | undefined;
  /** Interakt's create extras, kept for its list shape. */
  displayName?: string | null | undefined;
  headerMediaUrl?: string | null | undefined;
  headerMediaFileName?: string | null | undefined;
  /**
   * Click-tracked URL buttons: button index (in the BUTTONS component, from 0) → the brand's real
   * link. Samvad creates those buttons with SAMVAD_PUBLIC_URL/r/{{1}} and fills {{1}} with a signed
   * click token on every send (tracked-links.ts).
   */
  trackedLinks?: Record<string, string> | undefined;
}

/**
 * Creates a template: checks Meta's rules locally (every problem at once), then submits it to the
 * number's WABA. The row is written PENDING *before* the Graph call, so a status webhook that beats
 * Meta's answer still finds it (by name and language); a refusal removes it again, so a failed
 * create leaves nothing. Status changes after that come only from Meta's webhooks.
 */
export async function createTemplate(deps: TemplateDeps, workspaceId: string, input: CreateTemplateInput): Promise<Template> {
  const tracked = withTrackedButtons(input.components, input.trackedLinks, deps.publicUrl);
  const { definition: def, problems } = validateTemplateDefinition({ ...input, components: tracked.components });
  if (tracked.problems.length + problems.length > 0) throw templateProblemsError([...tracked.problems, ...problems]);
  const trackedLinks = input.trackedLinks && Object.keys(input.trackedLinks).length > 0 ? JSON.stringify(input.trackedLinks) : null;
  const number = await resolveTemplateNumber(deps.database, workspaceId, input.numberId);
  const creds = await credentialsFor(deps, number);
  const now = deps.clock.nowMs();

  // Reserve (waba, name, language). A DELETED row of the same name is reused: Meta allows the name
  // again (after its 30-day block, which Meta enforces) and old messages keep pointing at the row.
  const reserved = await deps.database.transaction(async (tx) => {
    const existing = await tx.db
      .selectFrom('templates')
      .selectAll()
      .where('waba_id', '=', number.wabaId)
      .where('name', '=', def.name)
      .where('language', '=', def.language)
      .executeTakeFirst();
    if (existing && existing.status !== 'DELETED') {
      throw new AppError('conflict', `Template "${def.name}" already exists in language "${def.language}" in this number's WhatsApp Business Account (status ${existing.status})`);
    }
    const values = {
      workspace_id: workspaceId,
      provider_template_id: null,
      category: def.category,
      status: 'PENDING',
      components: JSON.stringify(def.components),
      parameter_format: def.parameterFormat,
      quality_score: null,
      rejected_reason: null,
      rejection_info: null,
      status_detail: null,
      status_changed_at: null,
      disabled_at: null,
      sub_category: def.subCategory,
      ttl_seconds: def.ttlSeconds,
      header_media_url: input.headerMediaUrl ?? null,
      header_media_file_name: input.headerMediaFileName ?? null,
      display_name: input.displayName ?? null,
      source: 'samvad',
      tracked_links: trackedLinks,
      updated_at: now,
    };
    if (existing) {
      await tx.db.updateTable('templates').set(values).where('id', '=', existing.id).execute();
      return { id: existing.id, previous: existing };
    }
    const id = newId(now);
    await tx.db.insertInto('templates').values({ id, waba_id: number.wabaId, name: def.name, language: def.language, created_at: now, ...values }).execute();
    return { id, previous: undefined };
  });

  const body: ProviderTemplateCreate = { name: def.name, language: def.language, category: def.category, components: def.components };
  if (def.parameterFormat === 'named') body.parameter_format = 'named';
  if (def.ttlSeconds !== null) body.message_send_ttl_seconds = def.ttlSeconds;
  if (def.subCategory !== null) body.sub_category = def.subCategory;

  let answer: { id: string; status: string; category: string | null };
  try {
    answer = await createProviderTemplate(deps.whatsapp.channel.dispatcher, creds, body);
  } catch (err) {
    await deps.database.transaction(async (tx) => {
      if (reserved.previous) {
        const { id: _id, ...previous } = reserved.previous;
        await tx.db.updateTable('templates').set(previous).where('id', '=', reserved.id).execute();
      } else {
        await tx.db.deleteFrom('templates').where('id', '=', reserved.id).where('provider_template_id', 'is', null).execute();
      }
      tx.afterCommit(() => templateCache.invalidateWaba(number.wabaId));
    });
    metaRefusal(err, 'create the template');
  }

  await deps.database.transaction(async (tx) => {
    const row = await tx.db.selectFrom('templates').select(['status_changed_at']).where('id', '=', reserved.id).executeTakeFirst();
    // Meta's answer carries its id and first status (and category, should Meta recategorise); a
    // webhook that already moved the row on keeps its newer status.
    const set: { provider_template_id: string; updated_at: number; status?: string; category?: string } = { provider_template_id: answer.id, updated_at: deps.clock.nowMs() };
    if (row && row.status_changed_at === null) {
      set.status = answer.status;
      if (answer.category) set.category = answer.category;
    }
    await tx.db.updateTable('templates').set(set).where('id', '=', reserved.id).execute();
    tx.afterCommit(() => templateCache.invalidateWaba(number.wabaId));
  });
  return getTemplate(deps.database.db, workspaceId, reserved.id);
}
