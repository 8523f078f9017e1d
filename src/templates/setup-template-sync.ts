import type { NumberCredentials, WhatsAppChannel } from '../channels/whatsapp/types.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import { TemplateRefresher } from './refresh-templates.ts';
import { syncTemplates } from './sync-templates.ts';

export interface TemplateSyncDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  channel: Pick<WhatsAppChannel, 'listTemplates'>;
  /** The number's decrypted credentials (channels/whatsapp getNumberCredentials). */
  credentials: (workspaceId: string, numberId: string) => Promise<NumberCredentials>;
}

/**
 * Templates are synced (a) at start for the sandbox number, so hello_world works on the README's
 * first curl, and (b) lazily when a send names a template this instance does not know, at most
 * once a minute per WABA (TemplateRefresher) — so templates created in Meta's Business Manager
 * need no manual "Sync". Errors are logged, never thrown: a send then gets the usual 400.
 */
export function createTemplateRefresher(deps: TemplateSyncDeps): TemplateRefresher {
  return new TemplateRefresher(
    async (workspaceId, numberId) => {
      try {
        const result = await syncTemplates(deps.database, deps.clock, deps.channel, await deps.credentials(workspaceId, numberId));
        deps.logger.info({ ...result, numberId }, 'templates synced');
      } catch (err) {
        deps.logger.warn({ err, numberId }, 'template sync failed');
        throw err;
      }
    },
    () => deps.clock.nowMs(),
  );
}

/**
 * Syncs a just-connected number's templates now (sandbox start: hello_world must be sendable on
 * the first curl). Failures are logged by the refresher and do not stop the start.
 */
export async function syncNumberTemplatesNow(database: Database, refresher: TemplateRefresher, numberId: string): Promise<void> {
  // The number's workspace and WABA (read here rather than threading them through the sandbox connect).
  const row = await database.db.selectFrom('business_numbers').select(['workspace_id', 'waba_id']).where('id', '=', numberId).executeTakeFirst();
  if (row) await refresher.syncNow(row.workspace_id, numberId, row.waba_id);
}
