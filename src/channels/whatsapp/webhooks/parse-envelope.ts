import type { InboundMessage, StatusUpdate } from '../../../messaging/provider-events.ts';
import type { MetaError } from '../types.ts';
import { parseMetaError } from '../cloud-api/classify.ts';

/**
 * Meta's webhook envelope (payloads §3) parsed into provider-neutral pieces. Every entry, change,
 * message and status is visited (Meta batches up to 1000 updates per POST); unknown fields are
 * skipped. Timestamps are strings of unix seconds.
 */
export interface ParsedChange {
  field: string;
  /** entry.id: the WABA id. */
  wabaId: string;
  /** value.metadata.phone_number_id (messages-field changes). */
  phoneNumberId: string | null;
  statuses: StatusUpdate[];
  /** Inbound messages; `media` is filled later, once downloaded. */
  messages: InboundMessage[];
  errors: MetaError[];
  /** The raw value, for WABA-level fields (template status, quality, capability). */
  value: Record<string, unknown>;
}

type J = Record<string, unknown>;
const obj = (v: unknown): J => (v && typeof v === 'object' && !Array.isArray(v) ? (v as J) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const secs = (v: unknown): number => {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n * 1000 : 0;
};

/** Media-bearing inbound types: the object under `type` carries Meta's media `id`. */
export const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker']);

/** Which numbers and WABAs a body names (for picking the app secret before anything is stored). */
export function namedIds(body: unknown): { phoneNumberIds: string[]; wabaIds: string[] } {
  const phoneNumberIds = new Set<string>();
  const wabaIds = new Set<string>();
  for (const entry of arr(obj(body).entry)) {
    const id = str(obj(entry).id);
    if (id) wabaIds.add(id);
    for (const change of arr(obj(entry).changes)) {
      const pnid = str(obj(obj(obj(change).value).metadata).phone_number_id);
      if (pnid) phoneNumberIds.add(pnid);
    }
  }
  return { phoneNumberIds: [...phoneNumberIds], wabaIds: [...wabaIds] };
}

function webhookError(e: unknown): MetaError {
  const o = obj(e);
  const parsed = parseMetaError({ error: { ...o, message: str(o.message) ?? str(o.title) } });
  return parsed ?? { code: Number(o.code) || 0, title: str(o.title) ?? 'Unknown error' };
}

export function parseEnvelope(body: unknown): ParsedChange[] {
  const out: ParsedChange[] = [];
  for (const entry of arr(obj(body).entry)) {
    const wabaId = str(obj(entry).id) ?? '';
    for (const change of arr(obj(entry).changes)) {
      const c = obj(change);
      const value = obj(c.value);
      const field = str(c.field) ?? '';
      const phoneNumberId = str(obj(value.metadata).phone_number_id);
      const names = new Map<string, string>();
      for (const contact of arr(value.contacts)) {
        const waId = str(obj(contact).wa_id);
        const name = str(obj(obj(contact).profile).name);
        if (waId && name) names.set(waId, name);
      }
      const statuses: StatusUpdate[] = [];
      for (const s of arr(value.statuses)) {
        const o = obj(s);
        const wamid = str(o.id);
        const status = str(o.status);
        if (!wamid || !status) continue;
        const pricing = o.pricing ? obj(o.pricing) : null;
        const conv = o.conversation ? obj(o.conversation) : null;
        statuses.push({
          wamid,
          status: status === 'played' ? 'read' : status,
          occurredAt: secs(o.timestamp),
          recipient: str(o.recipient_id) ?? '',
          callbackMessageId: str(o.biz_opaque_callback_data),
          errors: arr(o.errors).map(webhookError),
          pricing: pricing
            ? {
                ...(typeof pricing.billable === 'boolean' ? { billable: pricing.billable } : {}),
                ...(str(pricing.pricing_model) ? { pricingModel: str(pricing.pricing_model)! } : {}),
                ...(str(pricing.type) ? { type: str(pricing.type)! } : {}),
                ...(str(pricing.category) ? { category: str(pricing.category)! } : {}),
              }
            : null,
          conversation: conv
            ? {
                ...(str(conv.id) ? { id: str(conv.id)! } : {}),
                ...(str(obj(conv.origin).type) ? { originType: str(obj(conv.origin).type)! } : {}),
                ...(conv.expiration_timestamp !== undefined ? { expiresAt: secs(conv.expiration_timestamp) } : {}),
              }
            : null,
        });
      }
      const messages: InboundMessage[] = [];
      for (const m of arr(value.messages)) {
        const o = obj(m);
        const wamid = str(o.id);
        const type = str(o.type);
        if (!wamid || !type) continue;
        const from = str(o.from) ?? '';
        const { from: _f, id: _i, timestamp: _t, context, referral, ...content } = o;
        messages.push({
          wamid,
          from,
          profileName: names.get(from) ?? null,
          occurredAt: secs(o.timestamp),
          type,
          content,
          contextWamid: str(obj(context).id),
          referral: referral ? obj(referral) : null,
          media: null,
        });
      }
      out.push({ field, wabaId, phoneNumberId, statuses, messages, errors: arr(value.errors).map(webhookError), value });
    }
  }
  return out;
}
