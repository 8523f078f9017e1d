import { describe, expect, it } from 'vitest';
import {
  buildMessageClickedEvent,
  buildMessageReceivedEvent,
  buildMessageStatusEvent,
  buildPhoneNumberQualityEvent,
  buildTemplateStatusEvent,
  buildWorkflowResponseEvent,
  type CustomerInput,
  type MessageInput,
} from '../../src/webhooks/index.ts';
import { naiveUtc } from '../../src/webhooks/payloads/format.ts';
import { SAMPLE_API_SENT, SAMPLE_CLICK_CTA_EVENT, SAMPLE_CLICK_QR_META, SAMPLE_QUALITY, SAMPLE_RECEIVED, SAMPLE_TEMPLATE_STATUS, SAMPLE_WORKFLOW_KEYS } from './samples.ts';

const NAIVE_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;
const at = Date.UTC(2022, 5, 3, 5, 43, 33, 237);

const customer: CustomerInput = {
  id: '52918eb3-bd00-4331-a51d-c4dcffee48d6',
  phone: '917003705584',
  countryCode: '+91',
  phoneNational: '7003705584',
  name: 'SKGG',
  traits: { email: 'xyz@gmail.com' },
  whatsappOptedIn: false,
  userId: '111',
};

const templateMessage: MessageInput = {
  id: 'dfc668a2-c06c-4e9a-a4fd-7b65bc1fdc84',
  direction: 'outbound',
  source: 'api',
  type: 'template',
  content: { type: 'template', template: { name: 'test_template_lp', language: { code: 'en' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Saandhy' }, { type: 'text', text: 'Varun' }] }] } },
  status: 'sent',
  createdAt: Date.UTC(2022, 5, 3, 5, 43, 33, 133),
  deliveredAt: null,
  readAt: null,
  campaignId: null,
  callbackData: 'some text here',
  errorCode: null,
  errorTitle: null,
  mediaUrl: null,
  template: {
    id: '281a5a78',
    name: 'test_template_lp',
    language: 'en',
    category: 'UTILITY',
    status: 'APPROVED',
    providerTemplateId: '3224400424546364',
    components: [{ type: 'BODY', text: 'Hi {{1}} from {{2}}' }, { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Thank you' }] }],
    createdAt: at,
    updatedAt: at,
    rejectedReason: null,
  },
  cost: null,
};

/** Every key of the sample is in ours, at the same place, with a value of the same JSON type. */
function expectSameShape(ours: unknown, sample: unknown, path = '$') {
  if (sample === null) return; // null in the sample: ours may carry a value (e.g. a media URL)
  if (Array.isArray(sample)) {
    expect(Array.isArray(ours), path).toBe(true);
    return;
  }
  if (typeof sample === 'object') {
    expect(typeof ours, path).toBe('object');
    for (const [k, v] of Object.entries(sample as Record<string, unknown>)) {
      expect(ours as Record<string, unknown>, `${path}.${k}`).toHaveProperty([k]);
      expectSameShape((ours as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
    return;
  }
  expect(typeof ours, path).toBe(typeof sample);
}

describe('payload builders match Interakt\'s samples', () => {
  it('message_api_sent: envelope, customer and message field by field', () => {
    const body = buildMessageStatusEvent({ status: 'sent', customer, message: templateMessage, at });
    expectSameShape(body, SAMPLE_API_SENT);
    expect(body.type).toBe('message_api_sent');
    expect(body.timestamp).toMatch(NAIVE_UTC);
    const data = body.data as { customer: Record<string, unknown>; message: Record<string, unknown> };
    expect(data.customer).toMatchObject({ id: customer.id, channel_phone_number: '917003705584', phone_number: '7003705584', country_code: '+91' });
    expect(data.customer.traits).toMatchObject(SAMPLE_API_SENT.data.customer.traits);
    const m = data.message;
    const s = SAMPLE_API_SENT.data.message;
    for (const k of ['id', 'chat_message_type', 'channel_failure_reason', 'message_status', 'received_at_utc', 'delivered_at_utc', 'seen_at_utc', 'campaign_id', 'is_template_message', 'channel_error_code', 'message_content_type', 'media_url', 'message'] as const) {
      expect(m[k], k).toEqual(s[k]);
    }
    // Same keys in the same order as the official sample (plus nothing missing).
    expect(Object.keys(m).slice(0, Object.keys(s).length)).toEqual(Object.keys(s));
    expect(m.meta_data).toMatchObject(s.meta_data);
    const raw = JSON.parse(m.raw_template as string) as Record<string, unknown>;
    expect(raw).toMatchObject({ name: 'test_template_lp', language: 'en', approval_status: 'APPROVED', wa_template_id: '3224400424546364', is_archived: false, buttons: '[{"type": "QUICK_REPLY", "text": "Thank you"}]' });
  });

  it('message_api_delivered / _read / _failed set their timestamps and Meta\'s error', () => {
    const delivered = buildMessageStatusEvent({ status: 'delivered', customer, message: { ...templateMessage, status: 'delivered', deliveredAt: at + 1000, cost: { currency: 'INR', amountMicros: 115_000 } }, at });
    expect(delivered.type).toBe('message_api_delivered');
    const dm = (delivered.data as { message: Record<string, any> }).message;
    expect(dm).toMatchObject({ message_status: 'Delivered', delivered_at_utc: '2022-06-03T05:43:34.237000', seen_at_utc: null });
    expect(dm.meta_data.message_cost).toEqual({ whatsapp_cost: '0.115', interakt_markup: '0', actual_message_cost: '0.115' });

    const read = buildMessageStatusEvent({ status: 'read', customer, message: { ...templateMessage, deliveredAt: at + 1000, readAt: at + 2000 }, at });
    expect(read.type).toBe('message_api_read');
    expect((read.data as { message: Record<string, unknown> }).message).toMatchObject({ message_status: 'Read', seen_at_utc: '2022-06-03T05:43:35.237000' });

    const failed = buildMessageStatusEvent({ status: 'failed', customer, message: { ...templateMessage, errorCode: 1013, errorTitle: 'Recipient is not a valid WhatsApp user' }, at });
    expect(failed.type).toBe('message_api_failed');
    expect((failed.data as { message: Record<string, unknown> }).message).toMatchObject({ message_status: 'Failed', channel_failure_reason: 'Recipient is not a valid WhatsApp user', channel_error_code: '1013' });
  });

  it('campaign sends report as message_campaign_* with campaign_id', () => {
    const body = buildMessageStatusEvent({ status: 'sent', customer, message: { ...templateMessage, source: 'campaign', campaignId: 'cmp_1' }, at });
    expect(body.type).toBe('message_campaign_sent');
    expect((body.data as { message: Record<string, unknown> }).message).toMatchObject({ campaign_id: 'cmp_1' });
  });

  it('message_api_clicked: quick-reply details in meta_data, CTA details in data.event', () => {
    const cost = { currency: 'INR', amountMicros: 30_000 };
    const qr = buildMessageClickedEvent({ customer, message: { ...templateMessage, cost, callbackData: 'some text here123' }, click: { kind: 'QR', buttonText: 'Fill Feedback Form', payload: null, at: Date.UTC(2024, 5, 10, 8, 38, 8, 635) }, at });
    expect(qr.type).toBe('message_api_clicked');
    const meta = (qr.data as { message: { meta_data: Record<string, unknown> } }).message.meta_data;
    expectSameShape(meta, SAMPLE_CLICK_QR_META);
    expect(meta).toMatchObject({ click_type: 'QR', button_text: 'Fill Feedback Form', button_link: '', click_timestamp: '2024-06-10 08:38:08.635000', button_payload: SAMPLE_CLICK_QR_META.button_payload });
    expect(meta.message_cost).toMatchObject({ interakt_markup: '0' });

    const cta = buildMessageClickedEvent({ customer, message: { ...templateMessage, callbackData: 'some text here123' }, click: { kind: 'CTA', buttonText: 'Track Order', buttonLink: 'https://www.interakt.shop/', at: Date.UTC(2024, 5, 10, 8, 47, 26, 948) }, at });
    const data = cta.data as { event: Record<string, unknown>; message: { meta_data: Record<string, unknown> } };
    expect(Object.keys(data.event)).toEqual(Object.keys(SAMPLE_CLICK_CTA_EVENT));
    expect(data.event).toMatchObject({ callbackData: 'some text here123', click_type: 'CTA', button_text: 'Track Order', button_link: 'https://www.interakt.shop/', click_timestamp: '2024-06-10 08:47:26.948000' });
    expect(data.message.meta_data).not.toHaveProperty('click_type');
  });

  it("a campaign message's clicks, quick-reply and URL alike, are message_campaign_clicked with the same bodies", () => {
    const campaignMessage: MessageInput = { ...templateMessage, source: 'campaign', campaignId: 'cmp_1', callbackData: 'some text here123' };
    const qrAt = Date.UTC(2024, 5, 10, 8, 38, 8, 635);
    const qr = buildMessageClickedEvent({ customer, message: campaignMessage, click: { kind: 'QR', buttonText: 'Yes', payload: 'yes', at: qrAt }, at });
    expect(qr.type).toBe('message_campaign_clicked');
    const apiQr = buildMessageClickedEvent({ customer, message: { ...campaignMessage, source: 'api', campaignId: null }, click: { kind: 'QR', buttonText: 'Yes', payload: 'yes', at: qrAt }, at });
    expect(apiQr.type).toBe('message_api_clicked');
    // The same quick-reply fields; the message's own source says Campaign.
    const meta = (qr.data as { message: { meta_data: Record<string, unknown> } }).message.meta_data;
    expect(meta).toMatchObject({ click_type: 'QR', button_text: 'Yes', button_link: '', click_timestamp: '2024-06-10 08:38:08.635000', source: 'Campaign' });
    expect(Object.keys(meta)).toEqual(Object.keys((apiQr.data as { message: { meta_data: Record<string, unknown> } }).message.meta_data));
    const cta = buildMessageClickedEvent({ customer, message: campaignMessage, click: { kind: 'CTA', buttonText: 'Track Order', buttonLink: 'https://www.interakt.shop/', at: qrAt }, at });
    expect(cta.type).toBe('message_campaign_clicked');
  });

  it('message_received for text, with every documented field', () => {
    const inbound: MessageInput = { ...templateMessage, id: '60076f05-da52-4dd1-b813-36223c1eded7', direction: 'inbound', source: 'customer', type: 'text', content: { type: 'text', text: { body: 'Thank you' } }, status: 'received', createdAt: Date.UTC(2022, 5, 3, 5, 57, 57, 359), callbackData: null, template: null };
    const body = buildMessageReceivedEvent({ customer, message: inbound, at });
    expectSameShape(body, SAMPLE_RECEIVED);
    const m = (body.data as { message: Record<string, unknown> }).message;
    for (const [k, v] of Object.entries(SAMPLE_RECEIVED.data.message)) if (k !== 'id') expect(m[k], k).toEqual(v);
  });

  it('message_received content types: button and list replies, media with Samvad\'s URL, location', () => {
    const base: MessageInput = { ...templateMessage, direction: 'inbound', source: 'customer', status: 'received', template: null, callbackData: null };
    const reply = (content: Record<string, unknown>, type: string, mediaUrl: string | null = null) =>
      (buildMessageReceivedEvent({ customer, message: { ...base, type, content, mediaUrl }, at }).data as { message: Record<string, unknown> }).message;
    expect(reply({ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'id1', title: 'Ok' } } }, 'interactive')).toMatchObject({
      message_content_type: 'InteractiveButtonReply',
      message: '{"type": "button_reply", "button_reply": {"id": "id1", "title": "Ok"}}',
    });
    expect(reply({ type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'r1', title: 'Row', description: 'd' } } }, 'interactive')).toMatchObject({
      message_content_type: 'InteractiveListReply',
      message: '{"type": "list_reply", "list_reply": {"id": "r1", "title": "Row", "description": "d"}}',
    });
    expect(reply({ type: 'image', image: { id: 'm1', caption: 'look' } }, 'image', 'https://samvad.example/media/k?exp=1&sig=x')).toMatchObject({
      message_content_type: 'Image',
      media_url: 'https://samvad.example/media/k?exp=1&sig=x',
      message: 'look',
    });
    expect(reply({ type: 'location', location: { latitude: 1.5, longitude: 2 } }, 'location')).toMatchObject({ message_content_type: 'Location', message: '{"latitude": 1.5, "longitude": 2}' });
  });

  it('message_template_status_update carries Meta\'s fields', () => {
    const body = buildTemplateStatusEvent({ event: 'APPROVED', providerTemplateId: '12345678', name: 'my_message_template', language: 'pt-BR', reason: null, at });
    expect({ ...body, timestamp: '…' }).toEqual(SAMPLE_TEMPLATE_STATUS);
    expect(body.timestamp).toMatch(NAIVE_UTC);
  });

  it('phone_number_quality_update carries Meta\'s value as data', () => {
    const body = buildPhoneNumberQualityEvent({ displayPhoneNumber: '+1 650-555-1111', event: 'FLAGGED', currentLimit: 'TIER_10K', at });
    expect({ ...body, timestamp: '…' }).toEqual(SAMPLE_QUALITY);
  });

  it('workflow_response_update: every key of the sample, customer_number with +', () => {
    const body = buildWorkflowResponseEvent({
      id: 'r1', createdAt: at, modifiedAt: at, workflowId: 'w1', customerId: 'c1', customerName: 'Customer Name', customerPhone: '919999999999', triggeredFrom: 'FAQ Message', at,
      steps: [{
        question: { id: 'q1', createdAt: at, stepNumber: 1, message: 'What is your company size?', messageType: 'List Message', buttons: [], listMessageName: 'interaktive_list', userTraitName: 'company_size' },
        answer: { id: 'a1', createdAt: at, message: '500+', mediaId: null, mediaUrl: null, mediaFileName: null, receivedAt: at, messageContentType: 'InteractiveListReply' },
      }],
    });
    const data = body.data as Record<string, any>;
    expect(Object.keys(data)).toEqual(SAMPLE_WORKFLOW_KEYS.data);
    expect(Object.keys(data.data[0].question)).toEqual(SAMPLE_WORKFLOW_KEYS.question);
    expect(Object.keys(data.data[0].answer)).toEqual(SAMPLE_WORKFLOW_KEYS.answer);
    expect(data.customer_number).toBe('+919999999999');
  });
});

describe('naiveUtc', () => {
  it('writes the Date-based text (ISO to the millisecond, three zeros, no zone) for day, hour and year edges and random times', () => {
    const viaDate = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}000`;
    const times = [0, 1, 999, 1_000, 59_999, 3_599_999, 86_399_999, 86_400_000, 951_782_400_000, 1_654_234_213_237, 4_107_542_400_000, 253_402_300_799_999];
    for (let i = 0; i < 5_000; i++) times.push(Math.floor(Math.random() * 253_402_300_799_999));
    for (const t of times) expect(naiveUtc(t)).toBe(viaDate(t));
    expect(naiveUtc(1_654_234_213_237)).toBe('2022-06-03T05:30:13.237000');
    expect(naiveUtc(253_402_300_800_000)).toBe(viaDate(253_402_300_800_000)); // a six-digit year: the Date path
  });
});
