import { getContact, parseWaId } from '../contacts/index.ts';
import { findNumberRow } from '../channels/whatsapp/numbers/manage-numbers.ts';
import { SERVICE_WINDOW_MS } from '../messaging/inbound/index.ts';
import { acceptSend } from '../messaging/send/send-message.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { JobContext } from '../platform/queue/index.ts';
import { getInboxSettings } from './settings.ts';

export const OUT_OF_HOURS_JOB = 'inbox.out_of_hours_reply';

export interface OutOfHoursPayload {
  workspaceId: string;
  numberId: string;
  contactId: string;
  inboundMessageId: string;
}

/**
 * Sends the out-of-hours reply as a session text through the normal send path (acceptSend: the
 * message row and its dispatch job in one transaction, source "automation"). The customer just
 * wrote, so the 24-hour window is open. The job's Idempotency-Key (the inbound message) makes a
 * retried job answer with the first send instead of sending twice.
 */
export function outOfHoursReplyHandler(deps: { database: Database; clock: Clock; logger: Logger; wake: (numberId: string) => void }) {
  return async (job: JobContext<OutOfHoursPayload>) => {
    const p = job.payload;
    const settings = await getInboxSettings(deps.database.db, p.workspaceId);
    if (!settings.outOfHours.enabled || !settings.outOfHours.message) return;
    const number = await findNumberRow(deps.database, p.workspaceId, p.numberId);
    const contact = await getContact(deps.database.db, p.workspaceId, p.contactId);
    if (!number || !contact) {
      deps.logger.warn({ ...p }, 'out-of-hours reply skipped: number or contact gone');
      return;
    }
    await acceptSend(deps.database, deps.clock, {
      workspaceId: p.workspaceId,
      number: { id: number.id, workspaceId: number.workspace_id, phoneNumberId: number.phone_number_id, wabaId: number.waba_id, isSandbox: Number(number.is_sandbox) === 1 },
      phone: parseWaId(contact.phone),
      contactId: contact.id,
      content: { type: 'text', text: { body: settings.outOfHours.message, preview_url: false } },
      source: 'automation',
      ttlMs: SERVICE_WINDOW_MS,
      idempotency: { workspaceId: p.workspaceId, key: `inbox.ooh:${p.inboundMessageId}`, requestHash: p.inboundMessageId, replaceExpired: false },
      answer: (messageId) => ({ statusCode: 201, body: { id: messageId } }),
      wake: deps.wake,
    });
  };
}
