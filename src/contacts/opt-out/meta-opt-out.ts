import { onStatusChanges } from '../../messaging/status/index.ts';
import { optOutOfMarketing } from './marketing-opt.ts';

/** Meta's "user stopped marketing messages" (the customer opted out in WhatsApp itself). */
export const META_MARKETING_OPT_OUT = 131050;

let registered = false;

/**
 * A marketing send that Meta fails with 131050 opts the contact out of marketing, in the
 * transaction that records the failure (with a timeline event naming the message), so campaigns
 * skip them from then on instead of paying for more refusals. Registered once per process.
 */
export function optOutOnMetaRefusals(): void {
  if (registered) return;
  registered = true;
  onStatusChanges(async (tx, batch) => {
    for (const [messageId, status] of batch.failures) {
      if (!status.errors.some((e) => e.code === META_MARKETING_OPT_OUT)) continue;
      const message = batch.messages.get(messageId);
      if (!message) continue;
      await optOutOfMarketing(tx, batch.workspaceId, message.contact_id, 'meta_131050', status.occurredAt, { messageId });
    }
  });
}
