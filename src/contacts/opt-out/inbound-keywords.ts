import type { Tx } from '../../platform/db/database.ts';
import { enqueueJob } from '../../platform/queue/enqueue.ts';
import { optInToMarketing, optOutOfMarketing } from './marketing-opt.ts';
import { getOptSettings, normalizeKeyword, type OptSettings } from './opt-settings.ts';

/** Job kind that sends the opt confirmation through the normal send path (registered in opt-reply-job.ts). */
export const OPT_REPLY_JOB = 'contacts.opt_reply';

export interface OptReplyPayload {
  workspaceId: string;
  numberId: string;
  contactId: string;
  phone: string;
  text: string;
  /** The inbound message that asked (makes the reply's send idempotent). */
  inboundMessageId: string;
}

export interface InboundKeywordInput {
  workspaceId: string;
  numberId: string;
  contactId: string;
  /** The customer's wa_id. */
  phone: string;
  /** Samvad's id of the inbound message. */
  messageId: string;
  /** Meta's message type and object (text, button, interactive replies carry the words). */
  type: string;
  content: Record<string, unknown>;
  occurredAt: number;
  nowMs: number;
}

/** The words a customer sent: a text body, a quick-reply button's text, or an interactive reply's title. */
export function inboundText(type: string, content: Record<string, unknown>): string | null {
  const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
  const candidates =
    type === 'text' ? [get(content, 'text', 'body')] : type === 'button' ? [get(content, 'button', 'text')] : type === 'interactive' ? [get(content, 'interactive', 'button_reply', 'title'), get(content, 'interactive', 'list_reply', 'title')] : [];
  const found = candidates.find((c) => typeof c === 'string');
  return typeof found === 'string' ? found : null;
}

const settingsCache = new Map<string, { settings: OptSettings; stop: Set<string>; start: Set<string>; at: number }>();

/** Drops cached keyword settings (after an update in this process; others see it within 5 s). */
export function forgetOptSettings(workspaceId: string): void {
  settingsCache.delete(workspaceId);
}

/**
 * Inbound STOP/START (and the workspace's own keywords, any language): a message that is exactly a
 * keyword (case-insensitive, surrounding spaces ignored) opts the contact out of marketing or back
 * in, records the change on the timeline, and — when the state changed and a confirmation is set —
 * enqueues the confirmation in the same transaction (sent as a session text by the send path).
 * Called by inbound processing for each new inbound message. Returns what happened.
 */
export async function handleInboundOptKeyword(tx: Tx, input: InboundKeywordInput): Promise<'opted_out' | 'opted_in' | null> {
  const text = inboundText(input.type, input.content);
  if (text === null || text.length > 64) return null;
  const word = normalizeKeyword(text);
  if (word === '') return null;
  let cached = settingsCache.get(input.workspaceId);
  if (!cached || input.nowMs - cached.at > 5_000 || input.nowMs < cached.at) {
    const settings = await getOptSettings(tx.db, input.workspaceId);
    cached = { settings, stop: new Set(settings.stopKeywords.map(normalizeKeyword)), start: new Set(settings.startKeywords.map(normalizeKeyword)), at: input.nowMs };
    settingsCache.set(input.workspaceId, cached);
  }
  const props = { keyword: text, messageId: input.messageId };
  let outcome: 'opted_out' | 'opted_in' | null = null;
  let reply = '';
  if (cached.stop.has(word)) {
    if (await optOutOfMarketing(tx, input.workspaceId, input.contactId, 'keyword', input.occurredAt, props)) {
      outcome = 'opted_out';
      reply = cached.settings.stopReply;
    }
  } else if (cached.start.has(word)) {
    if (await optInToMarketing(tx, input.workspaceId, input.contactId, 'keyword', input.occurredAt, props)) {
      outcome = 'opted_in';
      reply = cached.settings.startReply;
    }
  }
  if (outcome && reply.trim() !== '') {
    const payload: OptReplyPayload = { workspaceId: input.workspaceId, numberId: input.numberId, contactId: input.contactId, phone: input.phone, text: reply, inboundMessageId: input.messageId };
    await enqueueJob(tx.db, input.nowMs, { kind: OPT_REPLY_JOB, payload, workspaceId: input.workspaceId, uniqueKey: `opt-reply:${input.messageId}`, priority: 10 });
  }
  return outcome;
}
