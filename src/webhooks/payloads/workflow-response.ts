import { naiveUtc } from './format.ts';
import type { EventBody } from './types.ts';

export interface WorkflowStepInput {
  question: { id: string; createdAt: number; stepNumber: number; message: string; messageType: string; buttons: unknown[]; listMessageName: string | null; userTraitName: string | null };
  answer: { id: string; createdAt: number; message: string; mediaId: string | null; mediaUrl: string | null; mediaFileName: string | null; receivedAt: number; messageContentType: string };
}

export interface WorkflowResponseEventInput {
  id: string;
  createdAt: number;
  modifiedAt: number;
  workflowId: string;
  customerId: string;
  customerName: string | null;
  /** wa_id digits; sent with a '+' (unlike channel_phone_number, reference §8.8). */
  customerPhone: string;
  steps: WorkflowStepInput[];
  triggeredFrom: string;
  at: number;
}

/** `workflow_response_update` (reference §8.8): every answered step so far, at each step. */
export function buildWorkflowResponseEvent(input: WorkflowResponseEventInput): EventBody {
  return {
    version: '1.0',
    timestamp: naiveUtc(input.at),
    type: 'workflow_response_update',
    data: {
      id: input.id,
      created_at_utc: naiveUtc(input.createdAt),
      modified_at_utc: naiveUtc(input.modifiedAt),
      workflow_id: input.workflowId,
      customer_id: input.customerId,
      customer_name: input.customerName,
      customer_number: `+${input.customerPhone.replace(/\D/g, '')}`,
      data: input.steps.map((s) => ({
        question: {
          id: s.question.id,
          created_at_utc: naiveUtc(s.question.createdAt),
          step_number: s.question.stepNumber,
          message: s.question.message,
          message_type: s.question.messageType,
          buttons: s.question.buttons,
          list_message_name: s.question.listMessageName,
          user_trait_name: s.question.userTraitName,
          variable_fallback_values: [],
        },
        answer: {
          id: s.answer.id,
          created_at_utc: naiveUtc(s.answer.createdAt),
          message: s.answer.message,
          media_id: s.answer.mediaId,
          media_url: s.answer.mediaUrl,
          media_file_name: s.answer.mediaFileName,
          received_at_utc: naiveUtc(s.answer.receivedAt),
          message_content_type: s.answer.messageContentType,
        },
      })),
      triggered_from: input.triggeredFrom,
    },
  };
}
