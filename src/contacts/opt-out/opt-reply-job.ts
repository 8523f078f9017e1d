/**
 * Sends the opt-out/opt-in confirmation through the normal send path (a session text from the
 * number the keyword came in on; the keyword itself opened the service window). Kept out of the
 * contacts index because it depends on messaging, which depends on contacts.
 */
import { getNumber } from '../../channels/whatsapp/numbers/manage-numbers.ts';
import { acceptSend } from '../../messaging/send/send-message.ts';
import { hashRequest } from '../../messaging/send/idempotency.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import type { JobQueue } from '../../platform/queue/index.ts';
import { parseWaId } from '../phone.ts';
import { OPT_REPLY_JOB, type OptReplyPayload } from './inbound-keywords.ts';

export function registerOptReplyJob(deps: { database: Database; clock: Clock; queue: JobQueue; messageTtlMs: number; wake: (numberId: string) => void }): void {
  deps.queue.register<OptReplyPayload>(OPT_REPLY_JOB, async (job) => {
    const p = job.payload;
    const number = await getNumber(deps.database, p.workspaceId, p.numberId);
    // Idempotent across retries of this job: the second acceptance returns the first answer.
    const key = `opt-reply:${p.inboundMessageId}`;
    await acceptSend(deps.database, deps.clock, {
      workspaceId: p.workspaceId,
      number: { id: number.id, workspaceId: number.workspaceId, phoneNumberId: number.phoneNumberId, wabaId: number.wabaId, isSandbox: number.isSandbox },
      phone: parseWaId(p.phone),
      contactId: p.contactId,
      content: { type: 'text', text: { body: p.text } },
      source: 'automation',
      ttlMs: deps.messageTtlMs,
      idempotency: { workspaceId: p.workspaceId, key, requestHash: hashRequest(p), replaceExpired: false },
      answer: (id) => ({ statusCode: 201, body: { result: true, message: 'opt confirmation', id } }),
      wake: deps.wake,
    });
  });
}
