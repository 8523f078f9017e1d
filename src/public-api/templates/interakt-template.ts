import { hasVariables, type Template, type TemplateComponentDef } from '../../templates/index.ts';
import { naiveUtc, pyJson } from '../../webhooks/payloads/index.ts';

/**
 * Interakt's template object (interakt-api.md §6.1, the fields of `raw_template`), built from a
 * Samvad template. JSON-inside-JSON fields (`buttons`, `body_text`, `header_text`,
 * `carousel_cards`) are strings as Interakt sends them; timestamps are naive UTC with microseconds.
 */

/** Interakt's approval_status: WAITING while Meta reviews, else Meta's status. */
export function interaktApprovalStatus(status: string): string {
  return status === 'PENDING' || status === 'IN_APPEAL' ? 'WAITING' : status;
}

/** Interakt's approval_status filter value → Samvad statuses; null = every status but DELETED. */
export function statusesForApprovalFilter(value: string | undefined): string[] | null {
  if (!value || value.toLowerCase() === 'all') return null;
  const v = value.toUpperCase();
  return v === 'WAITING' ? ['PENDING', 'IN_APPEAL'] : [v];
}

const comp = (t: Template, type: string): TemplateComponentDef | undefined => t.components.find((c) => String(c.type).toUpperCase() === type);

function example(c: TemplateComponentDef | undefined, key: string): unknown {
  const ex = c?.example as Record<string, unknown> | undefined;
  return ex?.[key];
}

export function toInteraktTemplate(t: Template): Record<string, unknown> {
  const header = comp(t, 'HEADER');
  const body = comp(t, 'BODY');
  const footer = comp(t, 'FOOTER');
  const buttons = comp(t, 'BUTTONS')?.buttons ?? [];
  const carousel = comp(t, 'CAROUSEL');
  const headerFormat = header ? String(header.format ?? 'TEXT').toUpperCase() : null;
  const handles = example(header, 'header_handle');
  const bodyText = example(body, 'body_text');
  const headerText = example(header, 'header_text');
  return {
    id: t.id,
    created_at_utc: naiveUtc(t.createdAt),
    modified_at_utc: naiveUtc(t.updatedAt),
    created_by_user_id: null,
    is_deleted: t.status === 'DELETED',
    name: t.name,
    language: t.language,
    category: t.category,
    sub_category: t.subCategory,
    template_category_label: null,
    header_format: headerFormat,
    header: headerFormat === 'TEXT' ? (header?.text ?? null) : null,
    header_handle: Array.isArray(handles) && typeof handles[0] === 'string' ? handles[0] : null,
    header_handle_file_url: t.headerMediaUrl,
    header_handle_file_name: t.headerMediaFileName,
    header_text: Array.isArray(headerText) ? pyJson(headerText) : null,
    body: body?.text ?? null,
    body_text: Array.isArray(bodyText) && Array.isArray(bodyText[0]) ? pyJson(bodyText[0]) : null,
    footer: footer?.text ?? null,
    buttons: buttons.length ? pyJson(buttons) : null,
    button_text: null,
    allow_category_change: false,
    limited_time_offer: null,
    carousel_cards: carousel ? pyJson(carousel.cards ?? []) : null,
    message_send_ttl_seconds: t.ttlSeconds,
    wa_template_ad_id: null,
    wa_template_ad_account_id: null,
    autosubmitted_for: null,
    display_name: t.displayName ?? t.name,
    organization_id: t.workspaceId,
    approval_status: interaktApprovalStatus(t.status),
    wa_template_id: t.providerTemplateId,
    is_archived: t.status === 'ARCHIVED',
    channel_type: 'Whatsapp',
    is_click_tracking_enabled: false,
    is_conversion_tracking_enabled: false,
    allow_delete: t.status !== 'DISABLED' && t.status !== 'DELETED',
    rejection_reason: t.status === 'REJECTED' ? t.rejectedReason : null,
    is_mpm: buttons.some((b) => String(b.type).toUpperCase() === 'MPM'),
    is_carousel: carousel !== undefined,
    add_security_recommendation: body?.add_security_recommendation === true,
    code_expiration_minutes: typeof footer?.code_expiration_minutes === 'number' ? footer.code_expiration_minutes : null,
    is_ai_recommended: false,
    order_details: null,
    is_whatsapp_pay_template: buttons.some((b) => String(b.type).toUpperCase() === 'ORDER_DETAILS'),
    variable_present: hasVariables(t) ? 'Yes' : 'No',
  };
}
