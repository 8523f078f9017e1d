import type { Migration } from 'kysely';
import { whatsappMigrations } from './channels/whatsapp/migrations.ts';
import { campaignsMigrations } from './campaigns/migrations.ts';
import { contactsMigrations } from './contacts/migrations.ts';
import { dispatchMigrations } from './messaging/dispatch/migrations.ts';
import { messagingMigrations } from './messaging/migrations.ts';
import { queueMigrations } from './platform/queue/migrations.ts';
import { templatesMigrations } from './templates/migrations.ts';
import { workspacesMigrations } from './workspaces/migrations.ts';
import { webhooksMigrations } from './webhooks/migrations.ts';
import { peopleMigrations } from './workspaces/people/migrations.ts';
import { inboxMigrations } from './inbox/migrations.ts';
import { analyticsMigrations } from './analytics/migrations.ts';

/**
 * Every migration of every module, for both dialects. Names sort in the order they must run:
 * 0001–0009 workspaces, 0010–0019 the job queue, 0020 contacts, 0030 channels/whatsapp,
 * 0040 templates, 0050 messaging; later modules take the next free decades.
 */
export const migrations: Record<string, Migration> = {
  ...workspacesMigrations,
  ...peopleMigrations,
  ...queueMigrations,
  ...contactsMigrations,
  ...whatsappMigrations,
  ...templatesMigrations,
  ...messagingMigrations,
  ...dispatchMigrations,
  ...inboxMigrations,
  ...analyticsMigrations,
  ...campaignsMigrations,
  ...webhooksMigrations,
};
