import { customerObject } from './customer.ts';
import { naiveUtc } from './format.ts';
import { messageObject } from './message-object.ts';
import type { CustomerInput, EventBody, MessageInput } from './types.ts';

export type ReportedStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface MessageStatusEventInput {
  status: ReportedStatus;
  customer: CustomerInput;
  message: MessageInput;
  /** When Samvad learned it (the envelope's timestamp). */
  at: number;
}

/** A campaign's send: its events are the `message_campaign_*` family. */
export function isCampaignMessage(message: Pick<MessageInput, 'source' | 'campaignId'>): boolean {
  return message.source === 'campaign' || Boolean(message.campaignId);
}

/**
 * `message_api_sent` / `_delivered` / `_read` / `_failed` (reference §8.5), or the
 * `message_campaign_*` twin for campaign sends (§8.11: "same as API", with campaign_id set).
 */
export function buildMessageStatusEvent(input: MessageStatusEventInput): EventBody {
  const family = isCampaignMessage(input.message) ? 'message_campaign_' : 'message_api_';
  return {
    version: '1.0',
    timestamp: naiveUtc(input.at),
    type: `${family}${input.status}`,
    data: { customer: customerObject(input.customer), message: messageObject(input.message, { status: input.status }) },
  };
}

/** The campaign family explicitly (for campaign sends whose message source says otherwise). */
export function buildCampaignEvent(input: MessageStatusEventInput): EventBody {
  const body = buildMessageStatusEvent({ ...input, message: { ...input.message, source: 'campaign' } });
  return body;
}
