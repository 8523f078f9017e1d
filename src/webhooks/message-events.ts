import type { Kysely } from 'kysely';
import type { Tx } from '../platform/db/database.ts';
import { buildMessageClickedEvent, buildMessageReceivedEvent, buildMessageStatusEvent } from './payloads/index.ts';
import type { CustomerInput, MessageInput, TemplateInput } from './payloads/types.ts';
import { recordEvents, type OutboundEvent } from './record-events.ts';
import { webhooksRuntime } from './runtime.ts';

/**
 * Builds message events from stored rows with a fixed number of batched reads per call (messages,
 * contacts, templates, costs), whatever the batch size: status batches of hundreds stay cheap.
 *
 * Known gap: this reads the messages, contacts, templates and cost_ledger tables directly rather
 * than through those modules' services (none offers a batched read yet); the columns used are
 * listed here, in one place.
 */
interface Loaded {
  message: MessageInput;
  customer: CustomerInput;
  contactId: string;
  wamid: string | null;
  replyToWamid: string | null;
}

type Db = Kysely<any>;

async function load(db: Db, workspaceId: string, messageIds: string[], nowMs: number): Promise<Map<string, Loaded>> {
  const out = new Map<string, Loaded>();
  if (messageIds.length === 0) return out;
  const msgs: any[] = [];
  for (let i = 0; i < messageIds.length; i += 500) {
    msgs.push(...(await db.selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', messageIds.slice(i, i + 500)).execute()));
  }
  const contactIds = [...new Set(msgs.map((m) => m.contact_id as string))];
  const contacts = new Map<string, any>();
  for (let i = 0; i < contactIds.length; i += 500) {
    for (const c of await db.selectFrom('contacts').selectAll().where('id', 'in', contactIds.slice(i, i + 500)).execute()) contacts.set(c.id, c);
  }
  const names = [...new Set(msgs.filter((m) => m.template_name).map((m) => m.template_name as string))];
  const templates = new Map<string, any>();
  if (names.length) {
    for (const t of await db.selectFrom('templates').selectAll().where('workspace_id', '=', workspaceId).where('name', 'in', names).execute()) templates.set(`${t.name}|${t.language}`, t);
  }
  const costs = new Map<string, any>();
  for (let i = 0; i < messageIds.length; i += 500) {
    for (const c of await db.selectFrom('cost_ledger').select(['message_id', 'currency', 'amount_micros']).where('message_id', 'in', messageIds.slice(i, i + 500)).execute()) costs.set(c.message_id, c);
  }
  for (const m of msgs) {
    const c = contacts.get(m.contact_id);
    const t = m.template_name ? templates.get(`${m.template_name}|${m.template_language}`) : undefined;
    const cost = costs.get(m.id);
    let content: Record<string, unknown> = {};
    try {
      content = JSON.parse(m.content) as Record<string, unknown>;
    } catch {
      content = {};
    }
    const media = content.media as { storedKey?: string } | undefined;
    const template: TemplateInput | null = t
      ? {
          id: t.id,
          name: t.name,
          language: t.language,
          category: t.category,
          status: t.status,
          providerTemplateId: t.provider_template_id,
          components: safeJson(t.components, []),
          createdAt: Number(t.created_at),
          updatedAt: Number(t.updated_at),
          rejectedReason: t.rejected_reason ?? null,
        }
      : null;
    out.set(m.id, {
      contactId: m.contact_id,
      wamid: m.wamid,
      replyToWamid: m.reply_to_wamid,
      message: {
        id: m.id,
        direction: m.direction,
        source: m.source,
        type: m.type,
        content,
        status: m.status,
        createdAt: Number(m.created_at),
        deliveredAt: m.delivered_at === null ? null : Number(m.delivered_at),
        readAt: m.read_at === null ? null : Number(m.read_at),
        campaignId: m.campaign_id,
        callbackData: m.callback_data,
        errorCode: m.error_code === null ? null : Number(m.error_code),
        errorTitle: m.error_title,
        errorDetails: m.error_details,
        mediaUrl: media?.storedKey && webhooksRuntime.mediaUrl ? webhooksRuntime.mediaUrl(media.storedKey, nowMs) : null,
        template,
        cost: cost ? { currency: cost.currency, amountMicros: Number(cost.amount_micros) } : null,
      },
      customer: {
        id: m.contact_id,
        phone: c?.phone ?? m.recipient,
        countryCode: c?.country_code ?? '',
        phoneNational: c?.phone_national ?? '',
        name: c?.name ?? c?.profile_name ?? null,
        traits: safeJson(c?.traits, {}),
        whatsappOptedIn: c?.whatsapp_opted_in === null || c?.whatsapp_opted_in === undefined ? null : Number(c.whatsapp_opted_in) === 1,
        userId: c?.user_id ?? null,
        ...(c ? { createdAt: Number(c.created_at) } : {}),
      },
    });
  }
  return out;
}

function safeJson<T>(s: unknown, fallback: T): T {
  if (typeof s !== 'string') return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

export interface StatusChangeInput {
  messageId: string;
  to: string;
  occurredAt: number;
}

/**
 * Status events (`message_api_*` / `message_campaign_*`) for the messages whose status moved in
 * this transaction. Inbound rows and statuses other than sent/delivered/read/failed emit nothing.
 */
export async function recordStatusEvents(tx: Tx, workspaceId: string, changes: StatusChangeInput[], nowMs: number): Promise<void> {
  const relevant = changes.filter((c) => c.to === 'sent' || c.to === 'delivered' || c.to === 'read' || c.to === 'failed');
  if (relevant.length === 0) return;
  const loaded = await load(tx.db, workspaceId, [...new Set(relevant.map((c) => c.messageId))], nowMs);
  const events: OutboundEvent[] = [];
  for (const c of relevant) {
    const l = loaded.get(c.messageId);
    if (!l || l.message.direction !== 'outbound') continue;
    const payload = buildMessageStatusEvent({ status: c.to as 'sent', customer: l.customer, message: l.message, at: nowMs });
    events.push({ workspaceId, type: payload.type, contactId: l.contactId, payload, at: nowMs });
  }
  await recordEvents(tx, events, nowMs);
}

/**
 * Inbound events: `message_received` for every new customer message; a template quick-reply tap
 * (Meta's inbound `button`, replying to a template Samvad sent) is reported as
 * `message_api_clicked` in the quick-reply shape, as Interakt does (reference §8.6).
 */
export async function recordInboundEvents(tx: Tx, workspaceId: string, messageIds: string[], nowMs: number): Promise<void> {
  if (messageIds.length === 0) return;
  const loaded = await load(tx.db, workspaceId, messageIds, nowMs);
  const replied = [...loaded.values()].filter((l) => l.message.type === 'button' && l.replyToWamid).map((l) => l.replyToWamid!);
  const originals = new Map<string, Loaded>();
  if (replied.length) {
    const rows = await tx.db.selectFrom('messages').select(['id', 'wamid']).where('workspace_id', '=', workspaceId).where('wamid', 'in', replied).execute();
    const byId = await load(tx.db, workspaceId, rows.map((r) => r.id), nowMs);
    for (const l of byId.values()) if (l.wamid) originals.set(l.wamid, l);
  }
  const events: OutboundEvent[] = [];
  for (const id of messageIds) {
    const l = loaded.get(id);
    if (!l) continue;
    const original = l.replyToWamid ? originals.get(l.replyToWamid) : undefined;
    if (l.message.type === 'button' && original && original.message.type === 'template') {
      const b = (l.message.content.button ?? {}) as { text?: string; payload?: string };
      const payload = buildMessageClickedEvent({
        customer: l.customer,
        message: original.message,
        click: { kind: 'QR', buttonText: String(b.text ?? ''), payload: b.payload ?? null, at: l.message.createdAt },
        at: nowMs,
      });
      events.push({ workspaceId, type: payload.type, contactId: l.contactId, payload, at: nowMs });
      continue;
    }
    const context = l.replyToWamid ? { from: l.customer.phone, id: l.replyToWamid } : null;
    const payload = buildMessageReceivedEvent({ customer: l.customer, message: { ...l.message, context }, at: nowMs });
    events.push({ workspaceId, type: payload.type, contactId: l.contactId, payload, at: nowMs });
  }
  await recordEvents(tx, events, nowMs);
}
