import type { Clock } from '../../../platform/clock.ts';
import type { Database, Tx } from '../../../platform/db/database.ts';
import type { Logger } from '../../../platform/logger.ts';
import { recordInboundMessages } from '../../../messaging/inbound/record-inbound-messages.ts';
import type { InboundMessage, StatusUpdate } from '../../../messaging/provider-events.ts';
import { applyStatusUpdates } from '../../../messaging/status/apply-status-updates.ts';
import { applyTemplateStatus, type TemplateStatusChange } from '../../../templates/apply-template-status.ts';

/**
 * What processing a webhook hands to other modules (messaging: statuses and inbound; templates:
 * status changes), behind one seam so tests and other processes can observe or replace it.
 */
export interface WebhookDownstream {
  applyStatusUpdates(database: Database, clock: Clock, input: { workspaceId: string; numberId: string; statuses: StatusUpdate[] }, logger: Logger): Promise<{ unmatched: string[] }>;
  recordInboundMessages(database: Database, clock: Clock, input: { workspaceId: string; numberId: string; messages: InboundMessage[] }): Promise<void>;
  applyTemplateStatus(tx: Tx, clock: Clock, change: TemplateStatusChange): Promise<number>;
}

/** Hooks other modules set after start (the dispatcher debits inbound messages from the number's throughput bucket). */
export interface InboundHooks {
  debitInbound?: (numberId: string, n: number) => void;
}

export function defaultDownstream(hooks: InboundHooks): WebhookDownstream {
  return {
    applyStatusUpdates: (database, clock, input, logger) => applyStatusUpdates(database, clock, input, logger),
    async recordInboundMessages(database, clock, input) {
      await recordInboundMessages(database, clock, input, hooks.debitInbound ? { debitInbound: hooks.debitInbound } : {});
    },
    applyTemplateStatus,
  };
}
