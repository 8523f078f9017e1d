import type { RetentionConfig } from '../platform/config.ts';
import type { TableRetentionKind } from '../platform/retention/index.ts';

/**
 * The event feed and the delivery log grow with traffic (3+ rows per message): both age out.
 * A pending delivery older than the delivery retention is pruned too; with the default 30 days
 * against a 3-day retry window that never happens before it is delivered or dead.
 */
export function webhookRetentionKinds(config: RetentionConfig): TableRetentionKind[] {
  return [
    { name: 'webhooks.deliveries', table: 'webhook_deliveries', timeColumn: 'created_at', idColumn: 'seq', days: () => config.webhookDeliveriesDays, workspaceScoped: true },
    { name: 'webhooks.event_feed', table: 'webhook_events', timeColumn: 'created_at', idColumn: 'seq', days: () => config.eventFeedDays, workspaceScoped: true },
    { name: 'webhooks.notices', table: 'webhook_notices', timeColumn: 'created_at', days: () => config.eventFeedDays, workspaceScoped: true },
  ];
}
