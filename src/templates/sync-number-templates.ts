import { credentialsFor, metaRefusal, resolveTemplateNumber, type TemplateDeps } from './deps.ts';
import { syncTemplates, type SyncResult } from './sync-templates.ts';

/**
 * The manual "Sync from Meta": imports every template of the number's WABA now (templates created
 * in Meta's own tools appear, changed ones update, ones Meta no longer lists become DELETED).
 * Unlike the lazy sync on a send's miss, a failure is shown to the caller.
 */
export async function syncNumberTemplates(deps: TemplateDeps, workspaceId: string, numberRef?: string | null): Promise<SyncResult & { numberId: string }> {
  const number = await resolveTemplateNumber(deps.database, workspaceId, numberRef);
  const creds = await credentialsFor(deps, number);
  let result: SyncResult;
  try {
    result = await syncTemplates(deps.database, deps.clock, deps.whatsapp.channel, creds);
  } catch (err) {
    metaRefusal(err, 'list the templates');
  }
  deps.refresher?.synced(number.wabaId);
  return { ...result, numberId: number.id };
}
