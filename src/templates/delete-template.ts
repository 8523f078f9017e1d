import { deleteProviderTemplate } from '../channels/whatsapp/cloud-api/templates.ts';
import { getNumber, MetaApiError } from '../channels/whatsapp/index.ts';
import { AppError } from '../platform/errors.ts';
import { credentialsFor, metaRefusal, type TemplateDeps } from './deps.ts';
import { numberIdOfWaba } from './edit-template.ts';
import { getTemplate } from './find-template.ts';
import { templateCache } from './template-cache.ts';
import type { Template } from './template.ts';

/**
 * Deletes one template (this language only) in Meta, then marks it DELETED here: the row stays
 * because sent messages name it. Meta does not delete DISABLED templates, so neither do we. A
 * template Meta no longer has (deleted in Meta's tools) is marked DELETED without complaint.
 */
export async function deleteTemplate(deps: TemplateDeps, workspaceId: string, templateId: string): Promise<Template> {
  const t = await getTemplate(deps.database.db, workspaceId, templateId);
  if (t.status === 'DELETED') return t;
  if (t.status === 'DISABLED') throw new AppError('conflict', `Template "${t.name}" (${t.language}) is DISABLED; Meta does not allow deleting disabled templates`);
  if (t.providerTemplateId) {
    const number = await getNumber(deps.database, workspaceId, await numberIdOfWaba(deps, workspaceId, t.wabaId));
    const creds = await credentialsFor(deps, number);
    try {
      await deleteProviderTemplate(deps.whatsapp.channel.dispatcher, creds, t.name, t.providerTemplateId);
    } catch (err) {
      // 2593002: Meta has no such template (deleted elsewhere): ours follows.
      if (!(err instanceof MetaApiError && err.meta.subcode === 2593002)) metaRefusal(err, 'delete the template');
    }
  }
  const now = deps.clock.nowMs();
  await deps.database.transaction(async (tx) => {
    await tx.db.updateTable('templates').set({ status: 'DELETED', status_changed_at: now, updated_at: now }).where('id', '=', t.id).execute();
    tx.afterCommit(() => templateCache.invalidateWaba(t.wabaId));
  });
  return getTemplate(deps.database.db, workspaceId, t.id);
}
