import type { Database, Tx } from '../platform/db/database.ts';
import { buildAccountEvent, buildPhoneNumberQualityEvent, buildTemplateStatusEvent, type AccountEventType } from './payloads/index.ts';
import { recordEvents, type OutboundEvent } from './record-events.ts';

/**
 * Events Samvad learns from Meta's WABA webhooks, recorded by the code that applies them (one
 * call each in templates/apply-template-status.ts and channels/whatsapp/webhooks/process-webhook.ts),
 * in that code's transaction.
 */

/** A template changed by Meta's message_template_status_update (templates' AppliedTemplateStatus). */
export interface TemplateStatusApplied {
  template: { workspaceId: string; providerTemplateId: string | null; name: string; language: string };
  /** Meta's event (upper case): APPROVED, REJECTED, PAUSED, DISABLED, FLAGGED, …; QUALITY_UPDATE / CATEGORY_UPDATE for the other two fields. */
  event: string;
  reason: string | null;
  at: number;
}

/**
 * `message_template_status_update` for each template a status webhook changed. Quality-score and
 * category updates reach templates through Meta's other fields (message_template_quality_update,
 * template_category_update): they are not status events in Interakt's catalogue and emit nothing.
 */
export async function recordTemplateStatusEvents(tx: Tx, applied: TemplateStatusApplied[]): Promise<void> {
  const events: OutboundEvent[] = [];
  for (const a of applied) {
    if (a.event === 'QUALITY_UPDATE' || a.event === 'CATEGORY_UPDATE') continue;
    const payload = buildTemplateStatusEvent({ event: a.event, providerTemplateId: a.template.providerTemplateId, name: a.template.name, language: a.template.language, reason: a.reason, at: a.at });
    events.push({ workspaceId: a.template.workspaceId, type: payload.type, contactId: null, payload, at: a.at });
  }
  await recordEvents(tx, events, applied[0]?.at);
}

/** Meta's WABA fields that are Interakt account events (reference §8.9: Meta's `value` becomes `data`). */
export const ACCOUNT_EVENT_FIELDS: readonly AccountEventType[] = ['phone_number_quality_update', 'account_update', 'account_review_update', 'business_capability_update', 'account_alerts'];

export function isAccountEventField(field: string): field is AccountEventType {
  return (ACCOUNT_EVENT_FIELDS as readonly string[]).includes(field);
}

function accountBody(field: AccountEventType, value: Record<string, unknown>, at: number) {
  if (field === 'phone_number_quality_update') {
    return buildPhoneNumberQualityEvent({
      displayPhoneNumber: String(value.display_phone_number ?? ''),
      event: String(value.event ?? ''),
      // Meta's older payloads say current_limit, newer ones max_daily_conversations_per_business.
      currentLimit: [value.current_limit, value.max_daily_conversations_per_business].find((v): v is string => typeof v === 'string') ?? null,
      at,
    });
  }
  return buildAccountEvent(field, value, at);
}

/** One account event for one workspace, in the transaction that applied Meta's change (a number's quality or limit). */
export async function recordAccountEvent(tx: Tx, workspaceId: string, field: AccountEventType, value: Record<string, unknown>, at: number): Promise<void> {
  const payload = accountBody(field, value, at);
  await recordEvents(tx, [{ workspaceId, type: payload.type, contactId: null, payload, at }], at);
}

/**
 * One account event for every workspace that has a (signature-verified) number of the WABA the
 * webhook names: for Meta fields Samvad records but applies nowhere (account_update,
 * account_review_update, account_alerts) and WABA-wide ones (business_capability_update).
 */
export async function recordWabaAccountEvent(
  database: Database,
  numbers: readonly { workspace_id: string; waba_id: string }[],
  wabaId: string,
  field: AccountEventType,
  value: Record<string, unknown>,
  at: number,
): Promise<void> {
  const workspaces = [...new Set(numbers.filter((n) => n.waba_id === wabaId).map((n) => n.workspace_id))];
  if (workspaces.length === 0) return;
  await database.transaction(async (tx) => {
    for (const workspaceId of workspaces) await recordAccountEvent(tx, workspaceId, field, value, at);
  });
}
