import { naiveUtc } from './format.ts';
import type { EventBody } from './types.ts';

export interface TemplateStatusEventInput {
  /** APPROVED, REJECTED, PAUSED, DISABLED, ... (Meta's event). */
  event: string;
  /** Meta's template id (a number in Meta's and Interakt's bodies). */
  providerTemplateId: string | null;
  name: string | null;
  language: string | null;
  reason: string | null;
  at: number;
}

/** `message_template_status_update` (reference §8.10: Meta's field names under `data`). */
export function buildTemplateStatusEvent(input: TemplateStatusEventInput): EventBody {
  const id = input.providerTemplateId;
  return {
    version: '1.0',
    timestamp: naiveUtc(input.at),
    type: 'message_template_status_update',
    data: {
      event: input.event,
      message_template_id: id !== null && /^\d{1,15}$/.test(id) ? Number(id) : id,
      message_template_name: input.name,
      message_template_language: input.language,
      reason: input.reason,
    },
  };
}
