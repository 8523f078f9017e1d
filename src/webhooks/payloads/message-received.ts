import { customerObject } from './customer.ts';
import { naiveUtc } from './format.ts';
import { messageObject } from './message-object.ts';
import type { CustomerInput, EventBody, MessageInput } from './types.ts';

export interface MessageReceivedEventInput {
  customer: CustomerInput;
  message: MessageInput;
  at: number;
}

/** `message_received` (reference §8.7): an inbound message of any content type, media on Samvad's URL. */
export function buildMessageReceivedEvent(input: MessageReceivedEventInput): EventBody {
  return {
    version: '1.0',
    timestamp: naiveUtc(input.at),
    type: 'message_received',
    data: { customer: customerObject(input.customer), message: messageObject({ ...input.message, direction: 'inbound' }, { status: 'received' }) },
  };
}
