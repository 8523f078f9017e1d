import { decimalString, naiveUtc, naiveUtcOrNull, pyJson } from './format.ts';
import type { MessageInput, TemplateInput } from './types.ts';

const STATUS_LABEL: Record<string, string> = { sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Failed', received: 'Sent' };

const CONTENT_TYPE: Record<string, string> = {
  text: 'Text',
  image: 'Image',
  video: 'Video',
  audio: 'Audio',
  document: 'Document',
  sticker: 'Sticker',
  location: 'Location',
  contacts: 'Contacts',
  reaction: 'Reaction',
  order: 'Order',
  template: 'Template',
  button: 'InteractiveButtonReply',
  system: 'System',
  unsupported: 'Unsupported',
};

/** `chat_message_type`: PublicApiMessage for API sends, CustomerMessage inbound (reference §8.4). */
function chatMessageType(m: MessageInput): string {
  if (m.direction === 'inbound') return 'CustomerMessage';
  if (m.source === 'campaign') return 'CampaignMessage';
  if (m.source === 'agent') return 'AgentMessage';
  return 'PublicApiMessage';
}

/** `message_content_type` (reference §8.4: Template, Text, Image, InteractiveButtonReply, InteractiveListReply, …). */
export function contentType(m: Pick<MessageInput, 'type' | 'content'>): string {
  if (m.type === 'interactive') {
    const i = (m.content.interactive ?? {}) as { type?: string };
    if (i.type === 'button_reply') return 'InteractiveButtonReply';
    if (i.type === 'list_reply') return 'InteractiveListReply';
    if (i.type === 'nfm_reply') return 'InteractiveFlowReply';
    if (i.type === 'list') return 'InteractiveList';
    if (i.type === 'button') return 'InteractiveButton';
    return 'Interactive';
  }
  return CONTENT_TYPE[m.type] ?? m.type.charAt(0).toUpperCase() + m.type.slice(1);
}

/** `message`: template components as a JSON string, text as text, replies and objects as JSON strings. */
function messageText(m: MessageInput): string | null {
  const body = m.content[m.type] as Record<string, unknown> | undefined;
  switch (m.type) {
    case 'text':
      return String((body as { body?: unknown } | undefined)?.body ?? '');
    case 'template':
      return pyJson(((body as { components?: unknown[] } | undefined)?.components ?? []) as unknown[]);
    case 'image':
    case 'video':
    case 'document':
    case 'audio':
    case 'sticker':
      return typeof body?.caption === 'string' ? body.caption : '';
    case 'button':
      // A template quick-reply tapped (inbound `button`): Interakt's button_reply shape.
      return pyJson({ type: 'button_reply', button_reply: { id: body?.payload ?? null, title: body?.text ?? null } });
    case 'interactive': {
      const i = (body ?? {}) as Record<string, unknown>;
      if (i.type === 'button_reply' || i.type === 'list_reply' || i.type === 'nfm_reply') return pyJson({ type: i.type, [String(i.type)]: i[String(i.type)] });
      return pyJson(i);
    }
    default:
      return body === undefined ? null : pyJson(body);
  }
}

/**
 * Each status event of a campaign carries the same template: its text is made once per template
 * object (the event builders get one object per template and batch, message-events.ts).
 */
const rawTemplates = new WeakMap<TemplateInput, string>();

/** `raw_template`: the template object (reference §6.1) as a JSON string. */
export function rawTemplate(t: TemplateInput): string {
  let text = rawTemplates.get(t);
  if (text === undefined) rawTemplates.set(t, (text = renderRawTemplate(t)));
  return text;
}

function renderRawTemplate(t: TemplateInput): string {
  const comp = (type: string) => t.components.find((c) => String(c.type).toUpperCase() === type) as Record<string, unknown> | undefined;
  const header = comp('HEADER');
  const buttons = (comp('BUTTONS')?.buttons ?? []) as unknown[];
  const carousel = comp('CAROUSEL');
  return pyJson({
    id: t.id,
    created_at_utc: naiveUtc(t.createdAt),
    modified_at_utc: naiveUtc(t.updatedAt),
    is_deleted: false,
    name: t.name,
    language: t.language,
    category: t.category,
    header_format: header ? (header.format ?? 'TEXT') : null,
    header: header && header.format === 'TEXT' ? (header.text ?? null) : null,
    body: comp('BODY')?.text ?? null,
    footer: comp('FOOTER')?.text ?? null,
    buttons: buttons.length ? pyJson(buttons) : null,
    carousel_cards: carousel ? pyJson(carousel.cards ?? []) : null,
    approval_status: t.status,
    wa_template_id: t.providerTemplateId,
    is_archived: false,
    channel_type: 'Whatsapp',
    rejection_reason: t.rejectedReason,
    is_carousel: carousel !== undefined,
  });
}

export interface MessageObjectOptions {
  /** The status this event reports (the message may have moved on since). */
  status?: string;
  /** Extra meta_data fields (click info). */
  extraMeta?: Record<string, unknown>;
}

/**
 * `data.message` (reference §8.4–8.7), in the key order of the official samples. Outbound
 * messages carry `meta_data.source_data.callback_data` and, once costed, `message_cost` with
 * Meta's price and `interakt_markup` "0" (Samvad adds nothing); inbound messages carry `{}`.
 */
export function messageObject(m: MessageInput, options: MessageObjectOptions = {}): Record<string, unknown> {
  const status = options.status ?? m.status;
  const failed = status === 'failed';
  let metaData: Record<string, unknown> = {};
  if (m.direction === 'outbound') {
    const source = m.source === 'campaign' ? 'Campaign' : 'PublicInterakt';
    metaData = { source, source_data: { callback_data: m.callbackData }, msg_source: source };
    if (m.cost) {
      const cost = decimalString(m.cost.amountMicros);
      metaData.message_cost = { whatsapp_cost: cost, interakt_markup: '0', actual_message_cost: cost };
    }
  }
  if (options.extraMeta) metaData = { ...metaData, ...options.extraMeta };
  return {
    id: m.id,
    chat_message_type: chatMessageType(m),
    channel_failure_reason: failed ? (m.errorTitle || m.errorDetails || null) : null,
    message_status: STATUS_LABEL[status] ?? 'Sent',
    received_at_utc: naiveUtc(m.createdAt),
    delivered_at_utc: naiveUtcOrNull(m.deliveredAt),
    seen_at_utc: naiveUtcOrNull(m.readAt),
    campaign_id: m.campaignId,
    is_template_message: m.type === 'template',
    raw_template: m.template ? rawTemplate(m.template) : null,
    channel_error_code: failed && m.errorCode !== null ? String(m.errorCode) : null,
    message_content_type: contentType(m),
    media_url: m.mediaUrl,
    message: messageText(m),
    meta_data: metaData,
    ...(m.context ? { message_context: m.context } : {}),
  };
}
