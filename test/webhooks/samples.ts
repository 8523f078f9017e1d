/**
 * Interakt's official webhook samples (reference/interakt-api.md §8.5–8.10), with the parts the
 * reference elides ("…") left out. The payload tests compare Samvad's bodies to these key by key.
 */
export const SAMPLE_API_SENT = {
  version: '1.0',
  timestamp: '2022-06-03T05:43:33.237499',
  type: 'message_api_sent',
  data: {
    customer: {
      id: '52918eb3-bd00-4331-a51d-c4dcffee48d6',
      channel_phone_number: '917003705584',
      traits: { name: 'SKGG', whatsapp_opted_in: false, 'User Id': '111', email: 'xyz@gmail.com' },
    },
    message: {
      id: 'dfc668a2-c06c-4e9a-a4fd-7b65bc1fdc84',
      chat_message_type: 'PublicApiMessage',
      channel_failure_reason: null,
      message_status: 'Sent',
      received_at_utc: '2022-06-03T05:43:33.133000',
      delivered_at_utc: null,
      seen_at_utc: null,
      campaign_id: null,
      is_template_message: true,
      raw_template: '{"id": "281a5a78", "name": "test_template_lp", "language": "en", "category": "ALERT_UPDATE", "approval_status": "APPROVED", "wa_template_id": "3224400424546364", "is_archived": false}',
      channel_error_code: null,
      message_content_type: 'Template',
      media_url: null,
      message: '[{"type": "body", "parameters": [{"type": "text", "text": "Saandhy"}, {"type": "text", "text": "Varun"}]}]',
      meta_data: { source: 'PublicInterakt', source_data: { callback_data: 'some text here' } },
    },
  },
};

export const SAMPLE_CLICK_QR_META = {
  source: 'PublicInterakt',
  source_data: { callback_data: 'some text here123' },
  message_cost: { whatsapp_cost: '0.03', interakt_markup: '0.3', actual_message_cost: '0.33' },
  click_type: 'QR',
  button_text: 'Fill Feedback Form',
  button_link: '',
  click_timestamp: '2024-06-10 08:38:08.635664',
  button_payload: { payload: { type: 'QUICK_REPLY', text: 'Fill Feedback Form' } },
};

export const SAMPLE_CLICK_CTA_EVENT = {
  callbackData: 'some text here123',
  click_type: 'CTA',
  button_text: 'Track Order',
  button_link: 'https://www.interakt.shop/',
  click_timestamp: '2024-06-10 08:47:26.948896',
};

export const SAMPLE_RECEIVED = {
  version: '1.0',
  timestamp: '2022-06-03T05:57:57.496889',
  type: 'message_received',
  data: {
    customer: { id: '52918eb3-bd00-4331-a51d-c4dcffee48d6', channel_phone_number: '917003705584', traits: { name: 'SKGG' } },
    message: {
      id: '60076f05-da52-4dd1-b813-36223c1eded7',
      chat_message_type: 'CustomerMessage',
      channel_failure_reason: null,
      message_status: 'Sent',
      received_at_utc: '2022-06-03T05:57:57.359000',
      delivered_at_utc: null,
      seen_at_utc: null,
      campaign_id: null,
      is_template_message: false,
      raw_template: null,
      channel_error_code: null,
      message_content_type: 'Text',
      media_url: null,
      message: 'Thank you',
      meta_data: {},
    },
  },
};

export const SAMPLE_TEMPLATE_STATUS = {
  version: '1.0',
  timestamp: '…',
  type: 'message_template_status_update',
  data: { event: 'APPROVED', message_template_id: 12345678, message_template_name: 'my_message_template', message_template_language: 'pt-BR', reason: null },
};

export const SAMPLE_QUALITY = {
  version: '1.0',
  timestamp: '…',
  type: 'phone_number_quality_update',
  data: { display_phone_number: '16505551111', event: 'FLAGGED', current_limit: 'TIER_10K' },
};

export const SAMPLE_WORKFLOW_KEYS = {
  data: ['id', 'created_at_utc', 'modified_at_utc', 'workflow_id', 'customer_id', 'customer_name', 'customer_number', 'data', 'triggered_from'],
  question: ['id', 'created_at_utc', 'step_number', 'message', 'message_type', 'buttons', 'list_message_name', 'user_trait_name', 'variable_fallback_values'],
  answer: ['id', 'created_at_utc', 'message', 'media_id', 'media_url', 'media_file_name', 'received_at_utc', 'message_content_type'],
};
