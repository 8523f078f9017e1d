import type { MessagesTable } from '../tables.ts';
import { iso } from './cursor.ts';

export interface MessageSummary {
  id: string;
  direction: string;
  type: string;
  status: string;
  /** Text of a text message, caption of media, template name — what a list shows. */
  preview: string | null;
  createdAt: string | null;
}

function preview(type: string, contentJson: string): string | null {
  try {
    const c = JSON.parse(contentJson) as Record<string, any>;
    if (type === 'text') return c.text?.body ?? null;
    if (type === 'template') return `[template ${c.template?.name ?? ''}]`;
    if (type === 'interactive') return c.interactive?.body?.text ?? `[${c.interactive?.type ?? 'interactive'}]`;
    const media = c[type];
    return media?.caption ?? `[${type}]`;
  } catch {
    return null;
  }
}

export function toMessageSummary(r: { id: string; direction: string; type: string; content: string; status: string; created_at: number }): MessageSummary {
  return { id: r.id, direction: r.direction, type: r.type, status: r.status, preview: preview(r.type, r.content), createdAt: iso(r.created_at) };
}

export interface MessageView {
  id: string;
  numberId: string;
  contactId: string;
  recipient: string;
  direction: string;
  type: string;
  content: unknown;
  source: string;
  status: string;
  wamid: string | null;
  callbackData: string | null;
  campaignId: string | null;
  replyToWamid: string | null;
  template: { name: string; language: string | null; category: string | null } | null;
  error: { code: number | null; title: string | null; details: string | null } | null;
  pricing: { category: string | null; type: string | null; billable: boolean | null } | null;
  createdAt: string | null;
  sentAt: string | null;
  deliveredAt: string | null;
  readAt: string | null;
  failedAt: string | null;
  expiresAt: string | null;
  /** Every status Meta reported, in order (message_status_events). */
  timeline: { status: string; at: string | null; errorCode: number | null; errorTitle: string | null }[];
  /** What Meta charges for it (cost_ledger), zero markup; null until delivered and billed. */
  cost: { category: string; market: string; currency: string; amount: number; billable: boolean } | null;
}

export function toMessageView(
  m: MessagesTable,
  timeline: { status: string; occurred_at: number; error_code: number | null; error_title: string | null }[],
  cost: { category: string; market: string; currency: string; amount_micros: number; billable: number } | undefined,
): MessageView {
  let content: unknown = null;
  try {
    content = JSON.parse(m.content);
  } catch {
    content = m.content;
  }
  return {
    id: m.id,
    numberId: m.number_id,
    contactId: m.contact_id,
    recipient: m.recipient,
    direction: m.direction,
    type: m.type,
    content,
    source: m.source,
    status: m.status,
    wamid: m.wamid,
    callbackData: m.callback_data,
    campaignId: m.campaign_id,
    replyToWamid: m.reply_to_wamid,
    template: m.template_name ? { name: m.template_name, language: m.template_language, category: m.template_category } : null,
    error: m.error_code != null || m.error_title ? { code: m.error_code, title: m.error_title, details: m.error_details } : null,
    pricing: m.pricing_category ? { category: m.pricing_category, type: m.pricing_type, billable: m.billable == null ? null : Number(m.billable) === 1 } : null,
    createdAt: iso(m.created_at),
    sentAt: iso(m.sent_at),
    deliveredAt: iso(m.delivered_at),
    readAt: iso(m.read_at),
    failedAt: iso(m.failed_at),
    expiresAt: iso(m.expires_at),
    timeline: timeline.map((t) => ({ status: t.status, at: iso(t.occurred_at), errorCode: t.error_code, errorTitle: t.error_title })),
    cost: cost ? { category: cost.category, market: cost.market, currency: cost.currency, amount: Number(cost.amount_micros) / 1_000_000, billable: Number(cost.billable) === 1 } : null,
  };
}
