import { naiveUtc } from './format.ts';
import type { EventBody } from './types.ts';

export type AccountEventType = 'phone_number_quality_update' | 'account_update' | 'account_review_update' | 'business_capability_update' | 'account_alerts';

/**
 * Meta's WABA webhook fields re-wrapped as Interakt does (reference §8.9: Meta's `value` becomes
 * `data`). Interakt's doc copy spells `account_update` with `field` instead of `type`; Samvad
 * sends `type` for every event so one dispatcher on the receiver's side sees them all.
 */
export function buildAccountEvent(type: AccountEventType, value: Record<string, unknown>, at: number): EventBody {
  return { version: '1.0', timestamp: naiveUtc(at), type, data: value };
}

/** `phone_number_quality_update` (reference §8.9). */
export function buildPhoneNumberQualityEvent(input: { displayPhoneNumber: string; event: string; currentLimit: string | null; at: number }): EventBody {
  return buildAccountEvent(
    'phone_number_quality_update',
    { display_phone_number: input.displayPhoneNumber.replace(/\D/g, ''), event: input.event, current_limit: input.currentLimit },
    input.at,
  );
}
