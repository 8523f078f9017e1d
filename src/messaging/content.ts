/**
 * Samvad's outbound message model is the Cloud API's own message object for each type, without
 * the envelope fields (messaging_product, recipient_type, to, context, biz_opaque_callback_data),
 * which the adapter adds. Keeping Meta's shape means every type Meta supports is representable,
 * the validation rules in the references apply field for field, and the adapter's mapping is
 * mechanical. The Interakt surface translates its bodies (`type: "Text"`, `data.message`, …) into
 * this model; the native API may accept it directly.
 *
 * Examples:
 *   { type: 'text', text: { body: 'hi', preview_url: false } }
 *   { type: 'image', image: { link: 'https://…/a.png', caption: 'A' } }
 *   { type: 'interactive', interactive: { type: 'button', body: { text: '…' }, action: { buttons: […] } } }
 *   { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' }, components: […] } }
 */
export type OutboundType =
  | 'text'
  | 'image'
  | 'video'
  | 'audio'
  | 'document'
  | 'sticker'
  | 'location'
  | 'contacts'
  | 'reaction'
  | 'interactive'
  | 'template';

export interface OutboundContent {
  type: OutboundType;
  /** The object keyed by `type` (text, image, template, …) in Meta's shape. */
  [key: string]: unknown;
}

/** What the dispatcher hands the channel for one send. */
export interface OutboundSend {
  /** Samvad's message id: goes out as biz_opaque_callback_data so status webhooks resolve it. */
  messageId: string;
  /** Recipient wa_id (E.164 digits, no '+'). */
  to: string;
  content: OutboundContent;
  /** wamid of the message this one replies to. */
  replyToWamid?: string | null;
}
