import { customerObject } from './customer.ts';
import { clickTimestamp, naiveUtc } from './format.ts';
import { messageObject } from './message-object.ts';
import { isCampaignMessage } from './message-status.ts';
import type { CustomerInput, EventBody, MessageInput } from './types.ts';

export type ClickInput =
  | { kind: 'QR'; buttonText: string; payload: string | null; at: number }
  | { kind: 'CTA'; buttonText: string; buttonLink: string; at: number };

export interface MessageClickedEventInput {
  customer: CustomerInput;
  /** The template message whose button was clicked. */
  message: MessageInput;
  click: ClickInput;
  at: number;
}

/**
 * `message_api_clicked` (reference §8.6), in its two documented shapes: a quick-reply click's
 * details inside `data.message.meta_data`, a URL (CTA) click's in a sibling `data.event`. For a
 * campaign's message (the family rule of the status events) the type is `message_campaign_clicked`
 * (Samvad's addition; Interakt documents no campaign click event) with the same body.
 */
export function buildMessageClickedEvent(input: MessageClickedEventInput): EventBody {
  const { click } = input;
  const type = isCampaignMessage(input.message) ? 'message_campaign_clicked' : 'message_api_clicked';
  const customer = customerObject(input.customer);
  if (click.kind === 'QR') {
    const extraMeta = {
      click_type: 'QR',
      button_text: click.buttonText,
      button_link: '',
      click_timestamp: clickTimestamp(click.at),
      button_payload: { payload: { type: 'QUICK_REPLY', text: click.buttonText } },
    };
    return {
      version: '1.0',
      timestamp: naiveUtc(input.at),
      type,
      data: { customer, message: messageObject(input.message, { extraMeta }) },
    };
  }
  return {
    version: '1.0',
    timestamp: naiveUtc(input.at),
    type,
    data: {
      customer,
      message: messageObject(input.message),
      event: {
        callbackData: input.message.callbackData,
        click_type: 'CTA',
        button_text: click.buttonText,
        button_link: click.buttonLink,
        click_timestamp: clickTimestamp(click.at),
      },
    },
  };
}
