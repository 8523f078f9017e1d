/**
 * The event types Samvad emits (Interakt's catalogue, reference §8.3). An endpoint subscribes to
 * any subset; an empty subscription receives everything.
 */
export const EVENT_TYPES = [
  'message_api_sent',
  'message_api_delivered',
  'message_api_read',
  'message_api_failed',
  'message_api_clicked',
  'message_campaign_sent',
  'message_campaign_delivered',
  'message_campaign_read',
  'message_campaign_failed',
  'message_campaign_clicked',
  'message_received',
  'message_template_status_update',
  'workflow_response_update',
  'phone_number_quality_update',
  'account_update',
  'account_review_update',
  'business_capability_update',
  'account_alerts',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_DESCRIPTIONS: Record<EventType, string> = {
  message_api_sent: 'A message sent through the API (or by an agent or automation) was accepted by WhatsApp',
  message_api_delivered: "An API message reached the customer's phone",
  message_api_read: 'The customer read an API message',
  message_api_failed: 'An API message failed (channel_error_code and channel_failure_reason carry Meta\'s error)',
  message_api_clicked: 'The customer clicked a quick-reply or URL button of a template sent through the API',
  message_campaign_sent: 'A campaign message was accepted by WhatsApp',
  message_campaign_delivered: "A campaign message reached the customer's phone",
  message_campaign_read: 'The customer read a campaign message',
  message_campaign_failed: 'A campaign message failed',
  message_campaign_clicked:
    "The customer opened a tracked URL button or pressed a quick-reply button of a campaign message (Samvad's addition: Interakt documents no campaign click event; the body is message_api_clicked's CTA or quick-reply shape)",
  message_received: 'A customer sent a message (every plan, every content type)',
  message_template_status_update: 'Meta approved, rejected, paused or disabled a template',
  workflow_response_update: 'A customer answered a step of a workflow (chatbot)',
  phone_number_quality_update: "Meta changed a number's quality rating or messaging limit",
  account_update: 'An account event from Meta (verification, restriction)',
  account_review_update: "Meta's review decision on the WhatsApp Business Account",
  business_capability_update: "Meta changed the business' messaging capabilities",
  account_alerts: 'An alert about the account',
};

export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}
