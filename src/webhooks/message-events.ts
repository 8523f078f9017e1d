import type { Kysely } from 'kysely';
import type { Tx } from '../platform/db/database.ts';
import { precompiledWithList } from '../platform/db/precompiled.ts';
import { buildMessageClickedEvent, buildMessageReceivedEvent, buildMessageStatusEvent } from './payloads/index.ts';
import type { CustomerInput, MessageInput, TemplateInput } from './payloads/types.ts';
import { recordEvents, type OutboundEvent } from './record-events.ts';
import { webhooksRuntime } from './runtime.ts';

/**
 * Builds message events from stored rows with a fixed number of batched reads per call, whatever
 * the batch size: status batches of hundreds stay cheap. Status events reuse the message rows and
 * cost rows messaging's onStatusChanges hook already holds (AppliedStatusBatch) and read only what
 * it lacks: the message content and direction, the contacts, the templates, and the ledger row of
 * a billable message delivered in an earlier batch (a `read` after its `delivered`).
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

/** The message columns the builders use (MessageRowForStatus has all of them but direction, content and reply_to_wamid). */
interface MessageRow {
  id: string;
  contact_id: string;
  recipient: string;
  wamid: string | null;
  status: string;
  type: string;
  source: string;
  campaign_id: string | null;
  callback_data: string | null;
  template_name: string | null;
  template_language: string | null;
  created_at: number;
  delivered_at: number | null;
  read_at: number | null;
  error_code: number | null;
  error_title: string | null;
  error_details: string | null;
  billable?: number | null;
}

interface Extra {
  direction: string;
  content: string;
  reply_to_wamid: string | null;
}

type CostLike = { currency: string; amount_micros: number | string };

/** The reads behind every message event, compiled once per list length (precompiledWithList). */
const contactsById = precompiledWithList<Record<string, never>, any>((db, _a, ids) => db.selectFrom('contacts').selectAll().where('id', 'in', ids as string[]));
const templatesByName = precompiledWithList<{ workspaceId: string }, any>((db, a, names) => db.selectFrom('templates').selectAll().where('workspace_id', '=', a('workspaceId')).where('name', 'in', names as string[]));
const costsByMessage = precompiledWithList<Record<string, never>, { message_id: string; currency: string; amount_micros: number | string }>((db, _a, ids) =>
  db.selectFrom('cost_ledger').select(['message_id', 'currency', 'amount_micros']).where('message_id', 'in', ids as string[]),
);
const messagesById = precompiledWithList<{ workspaceId: string }, unknown>((db, a, ids) => db.selectFrom('messages').selectAll().where('workspace_id', '=', a('workspaceId')).where('id', 'in', ids as string[]));
const extrasById = precompiledWithList<Record<string, never>, Extra & { id: string }>((db, _a, ids) => db.selectFrom('messages').select(['id', 'direction', 'content', 'reply_to_wamid']).where('id', 'in', ids as string[]));

async function inChunks<T>(ids: string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...(await read(ids.slice(i, i + 500))));
  return out;
}

/** Contacts and templates of the rows, and ledger rows for `costIds`: one statement each (per 500). */
async function assemble(db: Db, workspaceId: string, rows: (MessageRow & Extra)[], knownCosts: ReadonlyMap<string, CostLike>, costIds: string[], nowMs: number): Promise<Map<string, Loaded>> {
  const out = new Map<string, Loaded>();
  if (rows.length === 0) return out;
  const contactIds = [...new Set(rows.map((m) => m.contact_id))];
  const contacts = new Map<string, any>();
  for (const c of await inChunks(contactIds, async (chunk) => (await contactsById.execute(db, {}, chunk)).rows)) contacts.set(c.id, c);
  const names = [...new Set(rows.filter((m) => m.template_name).map((m) => m.template_name as string))];
  // One object per template and batch: its components are parsed once, and rawTemplate() renders it once.
  const templates = new Map<string, TemplateInput>();
  if (names.length) {
    for (const t of (await templatesByName.execute(db, { workspaceId }, names)).rows) templates.set(`${t.name}|${t.language}`, templateInput(t));
  }
  const costs = new Map<string, CostLike>(knownCosts);
  for (const c of await inChunks(costIds, async (chunk) => (await costsByMessage.execute(db, {}, chunk)).rows)) costs.set(c.message_id, c);
  for (const m of rows) {
    const c = contacts.get(m.contact_id);
    const template = (m.template_name ? templates.get(`${m.template_name}|${m.template_language}`) : undefined) ?? null;
    const cost = costs.get(m.id);
    const content = safeJson<Record<string, unknown>>(m.content, {});
    const media = content.media as { storedKey?: string } | undefined;
    out.set(m.id, {
      contactId: m.contact_id,
      wamid: m.wamid,
      replyToWamid: m.reply_to_wamid,
      message: {
        id: m.id,
        direction: m.direction as MessageInput['direction'],
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

function templateInput(t: any): TemplateInput {
  return {
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
  };
}

/** Everything from the tables (inbound messages, and status changes the hook did not carry). */
async function load(db: Db, workspaceId: string, messageIds: string[], nowMs: number): Promise<Map<string, Loaded>> {
  if (messageIds.length === 0) return new Map();
  const msgs = (await inChunks(messageIds, async (chunk) => (await messagesById.execute(db, { workspaceId }, chunk)).rows)) as (MessageRow & Extra)[];
  // Only outbound messages are ever costed.
  const costIds = msgs.filter((m) => m.direction === 'outbound' && m.delivered_at !== null).map((m) => m.id);
  return assemble(db, workspaceId, msgs, new Map(), costIds, nowMs);
}

/** What messaging's status hook hands over (AppliedStatusBatch's maps). */
export interface KnownStatusRows {
  messages: ReadonlyMap<string, MessageRow>;
  costs: ReadonlyMap<string, CostLike>;
}

/**
 * Status events' inputs: the hook's message rows and cost rows, plus one narrow read of content
 * and direction; the ledger is read only for billable messages delivered before this batch.
 */
async function loadForStatus(db: Db, workspaceId: string, messageIds: string[], known: KnownStatusRows, nowMs: number): Promise<Map<string, Loaded>> {
  const have = messageIds.filter((id) => known.messages.has(id));
  const missing = messageIds.filter((id) => !known.messages.has(id));
  const extras = new Map<string, Extra>();
  for (const r of await inChunks(have, async (chunk) => (await extrasById.execute(db, {}, chunk)).rows)) extras.set(r.id, r);
  const rows: (MessageRow & Extra)[] = [];
  for (const id of have) {
    const e = extras.get(id);
    if (e) rows.push({ ...known.messages.get(id)!, ...e });
  }
  const costIds = rows.filter((m) => m.direction === 'outbound' && m.delivered_at !== null && !known.costs.has(m.id) && Number(m.billable ?? 1) !== 0).map((m) => m.id);
  const out = await assemble(db, workspaceId, rows, known.costs, costIds, nowMs);
  if (missing.length) for (const [id, l] of await load(db, workspaceId, missing, nowMs)) out.set(id, l);
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
 * `known`: the rows messaging's hook already has (AppliedStatusBatch), so they are not read again.
 */
export async function recordStatusEvents(tx: Tx, workspaceId: string, changes: StatusChangeInput[], nowMs: number, known?: KnownStatusRows): Promise<void> {
  const relevant = changes.filter((c) => c.to === 'sent' || c.to === 'delivered' || c.to === 'read' || c.to === 'failed');
  if (relevant.length === 0) return;
  const ids = [...new Set(relevant.map((c) => c.messageId))];
  const loaded = known ? await loadForStatus(tx.db, workspaceId, ids, known, nowMs) : await load(tx.db, workspaceId, ids, nowMs);
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
 * `message_api_clicked` in the quick-reply shape, as Interakt does (reference §8.6), or
 * `message_campaign_clicked` when the template was a campaign's.
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

/**
 * A tracked URL button was opened (campaigns' `/r/{token}`): `message_api_clicked` in Interakt's
 * CTA shape (reference §8.6), or `message_campaign_clicked` with the same body for a campaign's
 * message (the family rule of the status events), in the click's transaction.
 */
export async function recordCtaClickEvent(tx: Tx, workspaceId: string, messageId: string, click: { buttonText: string; buttonLink: string; at: number }, nowMs: number): Promise<void> {
  const l = (await load(tx.db, workspaceId, [messageId], nowMs)).get(messageId);
  if (!l) return;
  const payload = buildMessageClickedEvent({ customer: l.customer, message: l.message, click: { kind: 'CTA', ...click }, at: nowMs });
  await recordEvents(tx, [{ workspaceId, type: payload.type, contactId: l.contactId, payload, at: nowMs }], nowMs);
}
