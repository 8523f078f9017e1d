/**
 * Helpers for the dispatcher's tests (and, until the send API exists, anyone who needs queued
 * messages): a workspace, queued messages written with their dispatch row in one transaction,
 * scripted and emulator-backed channels.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import { createWorkspaceIn } from '../../workspaces/create-workspace.ts';
import type { MetaError, NumberCredentials, SendOutcome } from '../../channels/whatsapp/types.ts';
import type { OutboundContent, OutboundSend } from '../content.ts';
import { enqueueDispatch, PRIORITY } from './enqueue-dispatch.ts';
import type { DispatchNumber, SendChannel } from './types.ts';
import { messageRow } from '../message-row.ts';

export async function createTestWorkspace(database: Database, clock: Clock): Promise<string> {
  return database.transaction(async (tx) => (await createWorkspaceIn(tx, clock, { name: 'Dispatch test' })).id);
}

export function testNumber(id: string, over: Partial<DispatchNumber> & { graphBaseUrl?: string; phoneNumberId?: string; accessToken?: string } = {}): DispatchNumber {
  return {
    credentials: {
      id,
      workspaceId: 'w',
      phoneNumberId: over.phoneNumberId ?? `pn-${id}`,
      wabaId: 'waba',
      businessId: over.businessId ?? 'biz-1',
      graphBaseUrl: over.graphBaseUrl ?? 'http://127.0.0.1:1/v21.0',
      accessToken: over.accessToken ?? 'token',
    },
    throughputMps: over.throughputMps ?? 80,
    messagingLimitTier: over.messagingLimitTier ?? 'TIER_UNLIMITED',
    businessId: over.businessId ?? 'biz-1',
    pausedAt: over.pausedAt ?? null,
  };
}

export interface QueueInput {
  workspaceId: string;
  numberId: string;
  recipient: string;
  priority?: number;
  ttlMs?: number;
  content?: OutboundContent;
  contactId?: string;
  source?: string;
}

const HELLO: OutboundContent = { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };

/** Queues messages as the send API will: the message row and its dispatch row in one transaction. */
export async function queueMessages(database: Database, clock: Clock, inputs: QueueInput[], wake: (numberId: string) => void = () => {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < inputs.length; i += 500) {
    const chunk = inputs.slice(i, i + 500);
    await database.transaction(async (tx) => {
      for (const input of chunk) {
        const now = clock.nowMs();
        const id = newId(now);
        const content = input.content ?? HELLO;
        await tx.db
          .insertInto('messages')
          .values(messageRow({
            id,
            workspace_id: input.workspaceId,
            number_id: input.numberId,
            contact_id: input.contactId ?? `contact-${input.recipient}`,
            recipient: input.recipient,
            direction: 'outbound',
            type: content.type,
            content: JSON.stringify(content),
            source: input.source ?? 'api',
            template_name: content.type === 'template' ? 'hello_world' : null,
            status: 'queued',
            expires_at: now + (input.ttlMs ?? 24 * 3_600_000),
            created_at: now,
            updated_at: now,
          }))
          .execute();
        await enqueueDispatch(
          tx,
          { messageId: id, numberId: input.numberId, workspaceId: input.workspaceId, recipient: input.recipient, priority: input.priority ?? PRIORITY.api, expiresAt: now + (input.ttlMs ?? 24 * 3_600_000), now },
          wake,
        );
        ids.push(id);
      }
    });
  }
  return ids;
}

export interface RecordedSend {
  at: number;
  numberId: string;
  send: OutboundSend;
}

/** A channel answering from a script (default: accepted with a fresh wamid); records every call. */
export function scriptedChannel(clock: Clock, script: (send: OutboundSend, n: number) => SendOutcome | Promise<SendOutcome> = () => ({ kind: 'accepted', wamid: `wamid.${newId()}` })) {
  const calls: RecordedSend[] = [];
  const channel: SendChannel = {
    async send(number: NumberCredentials, send: OutboundSend) {
      calls.push({ at: clock.nowMs(), numberId: number.id, send });
      return script(send, calls.length);
    },
  };
  return { channel, calls };
}

const RETRYABLE = new Set([130429, 131056, 131000, 131016, 131057, 2, 133004]);
const ACCOUNT = new Set([190, 0, 10, 131031, 368, 131042, 133010]);

/**
 * A minimal Cloud API channel for tests against the emulator (part A's adapter replaces it in the
 * app): POST /{phone-number-id}/messages with the callback id, classified like the adapter.
 */
export function emulatorChannel(options: { timeoutMs?: number } = {}): SendChannel {
  return {
    async send(number, send) {
      const { type, ...rest } = send.content;
      const body = {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: send.to,
        type,
        ...rest,
        biz_opaque_callback_data: send.messageId,
        ...(send.replyToWamid ? { context: { message_id: send.replyToWamid } } : {}),
      };
      let res: Response;
      try {
        res = await fetch(`${number.graphBaseUrl}/${number.phoneNumberId}/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${number.accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code;
        const error: MetaError = { code: 0, title: 'Connection failed', message: String(code ?? err) };
        // Refused before anything was written: safe to retry. Anything else may have reached Meta.
        return code === 'ECONNREFUSED' ? { kind: 'retryable', error: { ...error, code: 131016 } } : { kind: 'unknown', error };
      }
      let json: any;
      try {
        json = await res.json();
      } catch {
        json = {};
      }
      if (res.ok && json?.messages?.[0]?.id) return { kind: 'accepted', wamid: json.messages[0].id as string };
      const e = json?.error ?? {};
      const error: MetaError = { code: Number(e.code ?? 0), title: String(e.message ?? `HTTP ${res.status}`), details: e.error_data?.details, httpStatus: res.status };
      if (res.status >= 500 || RETRYABLE.has(error.code)) return { kind: 'retryable', error };
      if (ACCOUNT.has(error.code)) return { kind: 'account', error };
      return { kind: 'terminal', error };
    },
  };
}
