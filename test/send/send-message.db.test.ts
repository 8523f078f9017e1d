import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { ASHA, BILAL, customerWrote, expectInterakt400, prepareSending, storedCounts, type SendFixture } from './helpers.ts';

const SESSION_OK = 'Message queued for sending via Interakt. Check webhook for delivery status';
const TEMPLATE_OK = 'Message created successfully';
const IMG = 'https://cdn.example.com/a.png';

describe('POST /v1/public/message/', () => {
  let app: TestApp;
  let fx: SendFixture;
  let phoneSeq = 0;
  /** A fresh valid Indian mobile number for each template send. */
  const newPhone = () => `9197${String(10_000_000 + phoneSeq++).slice(-8)}`;

  beforeAll(async () => {
    app = await startTestApp();
    fx = await prepareSending(app);
    await customerWrote(app, fx, ASHA, 'Asha Rao');
  });
  afterAll(async () => {
    await app?.destroy();
  });

  const send = (payload: Record<string, unknown>, headers: Record<string, string> = {}, url = '/v1/public/message/') =>
    app.http!.inject({ method: 'POST', url, headers: { authorization: app.auth, ...headers }, payload });

  const stored = async (id: string) => {
    const db = app.context.database.db;
    const message = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    const job = await db.selectFrom('dispatch_queue').selectAll().where('message_id', '=', id).executeTakeFirst();
    return { message, job, content: message ? JSON.parse(message.content) : undefined };
  };

  /** Sends, expects 201 with the exact body, and returns what was stored. */
  const accepted = async (payload: Record<string, unknown>, text = SESSION_OK) => {
    const res = await send(payload);
    expect(res.json()).toEqual({ result: true, message: text, id: expect.any(String) });
    expect(res.statusCode).toBe(201);
    const s = await stored(res.json().id);
    expect(s.message).toMatchObject({ status: 'queued', source: 'api', direction: 'outbound', number_id: fx.numberId });
    expect(s.job).toMatchObject({ number_id: fx.numberId, priority: 10 });
    return s;
  };

  /** Sends, expects 400 with this message, and checks nothing was stored. */
  const refused = async (payload: Record<string, unknown>, message: string | RegExp, headers: Record<string, string> = {}) => {
    const before = await storedCounts(app);
    const res = await send(payload, headers);
    expectInterakt400(res, message);
    expect(await storedCounts(app)).toEqual(before);
    return res.json().message as string;
  };

  describe('session types (the customer wrote within 24 hours)', () => {
    const to = { fullPhoneNumber: ASHA, callbackData: 'cb-1' };

    it('Text, with and without the trailing slash', async () => {
      const s = await accepted({ ...to, userId: '', type: 'Text', data: { message: 'This msg is sent via API' } });
      expect(s.content).toEqual({ type: 'text', text: { body: 'This msg is sent via API' } });
      expect(s.message).toMatchObject({ callback_data: 'cb-1', recipient: ASHA, type: 'text' });
      const res = await send({ ...to, type: 'Text', data: { message: 'see https://x.example' } }, {}, '/v1/public/message');
      expect(res.statusCode).toBe(201);
      expect((await stored(res.json().id)).content.text).toEqual({ body: 'see https://x.example', preview_url: true });
    });

    it('Image, Video, Document (caption, fileName), Audio and Sticker by URL', async () => {
      expect((await accepted({ ...to, type: 'Image', data: { message: 'A cake', mediaUrl: IMG } })).content).toEqual({ type: 'image', image: { link: IMG, caption: 'A cake' } });
      expect((await accepted({ ...to, type: 'Video', data: { message: 'clip', mediaUrl: 'https://cdn.example.com/v.mp4', fileName: 'Test' } })).content).toEqual({
        type: 'video',
        video: { link: 'https://cdn.example.com/v.mp4', caption: 'clip' },
      });
      expect((await accepted({ ...to, type: 'Document', data: { message: 'invoice', mediaUrl: 'https://cdn.example.com/i.pdf', fileName: 'invoice.pdf' } })).content).toEqual({
        type: 'document',
        document: { link: 'https://cdn.example.com/i.pdf', caption: 'invoice', filename: 'invoice.pdf' },
      });
      expect((await accepted({ ...to, type: 'Audio', data: { message: 'ignored', mediaUrl: 'https://cdn.example.com/a.mp3', fileName: 'Test' } })).content).toEqual({ type: 'audio', audio: { link: 'https://cdn.example.com/a.mp3' } });
      expect((await accepted({ ...to, type: 'Sticker', data: { mediaUrl: 'https://cdn.example.com/s.webp' } })).content).toEqual({ type: 'sticker', sticker: { link: 'https://cdn.example.com/s.webp' } });
    });

    it("InteractiveButton and InteractiveList pass Meta's interactive object through", async () => {
      const buttons = {
        type: 'button',
        body: { text: 'Hello, please give your feedback.' },
        action: { buttons: [{ type: 'reply', reply: { id: 'id1', title: 'Ok' } }, { type: 'reply', reply: { id: 'id2', title: 'Good' } }, { type: 'reply', reply: { id: 'id3', title: 'Bad' } }] },
      };
      expect((await accepted({ ...to, type: 'InteractiveButton', data: { message: buttons } })).content).toEqual({ type: 'interactive', interactive: buttons });
      const list = {
        type: 'list',
        body: { text: 'Check out our top product collections below!' },
        action: { button: 'View Collections', sections: [{ title: 'service', rows: [{ id: 'unique_id1', title: 'All products', description: 'hello' }] }] },
      };
      expect((await accepted({ ...to, type: 'InteractiveList', data: { message: list } })).content).toEqual({ type: 'interactive', interactive: list });
    });

    it("Samvad's additions: InteractiveCTA, Location, Contacts, Product, ProductList, Catalog, LocationRequest, Flow", async () => {
      const cta = { type: 'cta_url', body: { text: 'Tap to see dates.' }, action: { name: 'cta_url', parameters: { display_text: 'See Dates', url: 'https://shop.example.com/d' } } };
      expect((await accepted({ ...to, type: 'InteractiveCTA', data: { message: cta } })).content.interactive).toEqual(cta);
      expect((await accepted({ ...to, type: 'Location', data: { latitude: 19.06, longitude: '72.86', name: 'BKC', address: 'Mumbai' } })).content).toEqual({
        type: 'location',
        location: { latitude: 19.06, longitude: 72.86, name: 'BKC', address: 'Mumbai' },
      });
      const contacts = [{ name: { formatted_name: 'Barbara J. Johnson', first_name: 'Barbara' }, phones: [{ phone: '+16505559999', type: 'HOME' }] }];
      expect((await accepted({ ...to, type: 'Contacts', data: { contacts } })).content).toEqual({ type: 'contacts', contacts });
      const product = { body: { text: 'Our best seller' }, action: { catalog_id: 'cat1', product_retailer_id: 'sku-1' } };
      expect((await accepted({ ...to, type: 'Product', data: { message: product } })).content.interactive).toEqual({ type: 'product', ...product });
      const mpm = { type: 'product_list', header: { type: 'text', text: 'Picks' }, body: { text: 'For you' }, action: { catalog_id: 'cat1', sections: [{ title: 'Top', product_items: [{ product_retailer_id: 'a' }, { product_retailer_id: 'b' }] }] } };
      expect((await accepted({ ...to, type: 'ProductList', data: { message: mpm } })).content.interactive).toEqual(mpm);
      const catalog = { type: 'catalog_message', body: { text: 'Browse' }, action: { name: 'catalog_message' } };
      expect((await accepted({ ...to, type: 'Catalog', data: { message: catalog } })).content.interactive).toEqual(catalog);
      const lr = { type: 'location_request_message', body: { text: 'Where to?' }, action: { name: 'send_location' } };
      expect((await accepted({ ...to, type: 'LocationRequest', data: { message: lr } })).content.interactive).toEqual(lr);
      const flow = { type: 'flow', body: { text: 'Book' }, action: { name: 'flow', parameters: { flow_message_version: '3', flow_id: '123', flow_cta: 'Book!', flow_action: 'navigate', flow_action_payload: { screen: 'START' } } } };
      expect((await accepted({ ...to, type: 'Flow', data: { message: flow } })).content.interactive).toEqual(flow);
    });

    it('replies (replyTo / context) and reactions by wamid', async () => {
      const wamid = 'wamid.HBgLOTE5ODAwMDAwMDAxFQIAEhgg';
      const s = await accepted({ ...to, type: 'Text', replyTo: wamid, data: { message: 'Replying' } });
      expect(s.message!.reply_to_wamid).toBe(wamid);
      const s2 = await accepted({ ...to, type: 'Text', context: { message_id: wamid }, data: { message: 'Replying again' } });
      expect(s2.message!.reply_to_wamid).toBe(wamid);
      expect((await accepted({ ...to, type: 'Reaction', data: { messageId: wamid, emoji: '👍' } })).content).toEqual({ type: 'reaction', reaction: { message_id: wamid, emoji: '👍' } });
      expect((await accepted({ ...to, type: 'Reaction', data: { messageId: wamid, emoji: '' } })).content.reaction.emoji).toBe('');
      // Replying to a Samvad message id that has no wamid yet is refused clearly.
      await refused({ ...to, type: 'Text', replyTo: s.message!.id, data: { message: 'x' } }, /^replyTo names a message that has not reached WhatsApp yet/);
      await refused({ ...to, type: 'Reaction', replyTo: wamid, data: { messageId: wamid, emoji: '👍' } }, /^replyTo cannot be used with a Reaction/);
      await refused({ ...to, type: 'Reaction', data: { messageId: wamid, emoji: '👍👍' } }, /^data.emoji must be exactly one emoji/);
    });

    it("refuses a customer who is not a contact with Interakt's exact message", async () => {
      await refused({ fullPhoneNumber: '919811111111', type: 'Text', data: { message: 'hi' } }, 'Please correct the following error - Customer is not available for the organization');
    });

    it("refuses once the 24-hour window has closed, with Interakt's exact message", async () => {
      await customerWrote(app, fx, BILAL, 'Bilal');
      await accepted({ fullPhoneNumber: BILAL, type: 'Text', data: { message: 'within the window' } });
      app.context.clock.advance(24 * 3_600_000);
      await refused({ fullPhoneNumber: BILAL, type: 'Text', data: { message: 'too late' } }, 'Please correct the following error - Customer has not messaged within last 24 hours');
      await customerWrote(app, fx, ASHA, 'Asha Rao'); // keep Asha's window open for the other tests
    });

    it('checks every Cloud API limit, naming the field and the limit', async () => {
      const im = (message: unknown) => ({ ...to, type: 'InteractiveButton', data: { message } });
      const btn = (title: string, id = title) => ({ type: 'reply', reply: { id, title } });
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ ...to, type: 'Text', data: { message: 'x'.repeat(4097) } }, /^data.message must be at most 4096 characters \(Cloud API limit\), got 4097$/],
        [{ ...to, type: 'Text', data: {} }, /^data.message is required$/],
        [{ ...to, type: 'Text' }, /^data is required for type Text$/],
        [{ ...to, type: 'Image', data: { mediaUrl: IMG, message: 'c'.repeat(1025) } }, /^data.message must be at most 1024 characters/],
        [{ ...to, type: 'Image', data: { mediaUrl: 'ftp://cdn.example.com/a.png' } }, /^data.mediaUrl must be an http\(s\) URL, not ftp$/],
        [{ ...to, type: 'Image', data: { mediaUrl: 'not a url' } }, /^data.mediaUrl must be an http\(s\) URL/],
        [{ ...to, type: 'Image', data: { mediaUrl: 'https://cdn.example.com/a.gif' } }, /^data.mediaUrl is a .gif file; image messages accept .jpg, .jpeg, .png/],
        [{ ...to, type: 'Sticker', data: { mediaUrl: 'https://cdn.example.com/a.png' } }, /^data.mediaUrl is a .png file; sticker messages accept .webp/],
        [im({ body: { text: 'b' }, action: { buttons: [btn('a'), btn('b'), btn('c'), btn('d')] } }), /^data.message.action.buttons must have at most 3 reply buttons \(Cloud API limit\), got 4$/],
        [im({ body: { text: 'b' }, action: { buttons: [btn('x'.repeat(21))] } }), /^data.message.action.buttons\[0\].reply.title must be at most 20 characters/],
        [im({ body: { text: 'b' }, action: { buttons: [btn('Ok', 'a'), btn('Ok', 'b')] } }), /^data.message.action.buttons must have unique titles/],
        [im({ body: { text: 'b'.repeat(1025) }, action: { buttons: [btn('a')] } }), /^data.message.body.text must be at most 1024 characters/],
        [im({ body: { text: 'b' }, footer: { text: 'f'.repeat(61) }, action: { buttons: [btn('a')] } }), /^data.message.footer.text must be at most 60 characters/],
        [im({ action: { buttons: [btn('a')] } }), /^data.message.body is required$/],
        [
          { ...to, type: 'InteractiveList', data: { message: { body: { text: 'b' }, action: { button: 'Pick', sections: [{ title: 's1', rows: Array.from({ length: 6 }, (_, i) => ({ id: `a${i}`, title: 't' })) }, { title: 's2', rows: Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, title: 't' })) }] } } } },
          /^data.message.action.sections must have at most 10 rows across all sections \(Cloud API limit\), got 11$/,
        ],
        [{ ...to, type: 'InteractiveList', data: { message: { body: { text: 'b' }, action: { button: 'Pick', sections: [{ title: 's', rows: [{ id: 'a', title: 'x'.repeat(25) }] }] } } } }, /rows\[0\].title must be at most 24 characters/],
        [{ ...to, type: 'InteractiveList', data: { message: { body: { text: 'b' }, action: { button: 'Pick', sections: [{ title: 's', rows: [{ id: 'a', title: 't', description: 'd'.repeat(73) }] }] } } } }, /description must be at most 72 characters/],
        [{ ...to, type: 'InteractiveCTA', data: { message: { body: { text: 'b' }, action: { name: 'cta_url', parameters: { display_text: 'x'.repeat(21), url: 'https://a.example' } } } } }, /display_text must be at most 20 characters/],
        [{ ...to, type: 'Contacts', data: { contacts: Array.from({ length: 258 }, () => ({ name: { formatted_name: 'A' } })) } }, /^data.contacts must have at most 257 contacts/],
        [{ ...to, type: 'Location', data: { latitude: 91, longitude: 0 } }, /^data.latitude must be a number from -90 to 90$/],
        [{ ...to, type: 'ProductList', data: { message: { header: { type: 'text', text: 'h' }, body: { text: 'b' }, action: { catalog_id: 'c', sections: [{ title: 'a', product_items: Array.from({ length: 20 }, (_, i) => ({ product_retailer_id: `a${i}` })) }, { title: 'b', product_items: Array.from({ length: 11 }, (_, i) => ({ product_retailer_id: `b${i}` })) }] } } } }, /at most 30 products across all sections/],
        [{ ...to, type: 'Flow', data: { message: { body: { text: 'b' }, action: { name: 'flow', parameters: { flow_message_version: '2', flow_id: '1', flow_cta: 'Go' } } } } }, /flow_message_version must be "3"/],
        [{ fullPhoneNumber: ASHA, type: 'Text', callbackData: 'c'.repeat(513), data: { message: 'x' } }, /callbackData/],
        [{ fullPhoneNumber: ASHA, type: 'Fax', data: { message: 'x' } }, /type/],
      ];
      for (const [payload, message] of cases) await refused(payload, message);
    });

    it('refuses media URLs that point at private or loopback addresses unless sandbox mode allows them', async () => {
      // This app runs in sandbox mode: a loopback media URL (the emulator's own samples) is allowed.
      await accepted({ ...to, type: 'Image', data: { mediaUrl: 'http://127.0.0.1:9/a.png' } });
      const { checkMediaUrl } = await import('../../src/messaging/send/media-url.ts');
      for (const url of ['http://127.0.0.1/a.png', 'http://10.1.2.3/a.png', 'http://192.168.0.1/a.png', 'http://169.254.169.254/latest', 'http://[::1]/a.png', 'http://[::ffff:10.0.0.1]/a.png', 'http://localhost:3000/a.png', 'http://0.0.0.0/a.png']) {
        expect(() => checkMediaUrl(url, 'data.mediaUrl', 'image', { allowPrivate: false }), url).toThrow(/^data.mediaUrl must point at a public address/);
      }
      expect(checkMediaUrl('https://8.8.8.8/a.png', 'data.mediaUrl', 'image', { allowPrivate: false })).toBe('https://8.8.8.8/a.png');
    });
  });

  describe('phone numbers (Interakt §2.4)', () => {
    const tpl = { type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } };
    it('accepts countryCode + phoneNumber, fullPhoneNumber with or without "+", and both when they agree', async () => {
      for (const p of [{ countryCode: '+91', phoneNumber: '9822000001' }, { fullPhoneNumber: '+919822000002' }, { fullPhoneNumber: '919822000003', countryCode: '+91', phoneNumber: '9822000003' }]) {
        const s = await accepted({ ...p, ...tpl }, TEMPLATE_OK);
        expect(s.message!.recipient).toMatch(/^9198220000\d\d$/);
      }
    });
    it('refuses a missing, invalid, zero-prefixed or inconsistent number naming the field', async () => {
      await refused({ ...tpl }, /^fullPhoneNumber is required/);
      await refused({ fullPhoneNumber: '12345', ...tpl }, /^fullPhoneNumber is not a valid phone number/);
      await refused({ fullPhoneNumber: '91abc', ...tpl }, /^fullPhoneNumber must contain digits only/);
      await refused({ countryCode: '+91', phoneNumber: '09822000001', ...tpl }, /^phoneNumber must not start with 0/);
      await refused({ countryCode: '+91', ...tpl }, /^phoneNumber is required with countryCode/);
      await refused({ phoneNumber: '9822000001', ...tpl }, /^countryCode is required/);
      await refused({ countryCode: '+91', phoneNumber: '12', ...tpl }, /^phoneNumber is not a valid phone number/);
      await refused({ fullPhoneNumber: '919822000001', countryCode: '+91', phoneNumber: '9822000009', ...tpl }, /^fullPhoneNumber does not match countryCode \+ phoneNumber/);
    });
  });

  describe('templates', () => {
    it('sends hello_world to a new number, creates the contact with userId, and stores the category and TTL', async () => {
      const phone = newPhone();
      const before = app.context.clock.nowMs();
      const s = await accepted({ fullPhoneNumber: phone, userId: 'crm-42', campaignId: 'camp-1', callbackData: 'x', type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } }, TEMPLATE_OK);
      expect(s.content).toEqual({ type: 'template', template: { name: 'hello_world', language: { code: 'en_US', policy: 'deterministic' } } });
      expect(s.message).toMatchObject({ template_name: 'hello_world', template_language: 'en_US', template_category: 'UTILITY', campaign_id: 'camp-1' });
      expect(Number(s.message!.expires_at) - before).toBeGreaterThanOrEqual(24 * 3_600_000);
      const contact = await app.context.database.db.selectFrom('contacts').selectAll().where('phone', '=', phone).executeTakeFirstOrThrow();
      expect(contact).toMatchObject({ user_id: 'crm-42', country_code: '+91' });
      const conv = await app.context.database.db.selectFrom('conversations').selectAll().where('contact_id', '=', contact.id).executeTakeFirstOrThrow();
      expect(conv).toMatchObject({ last_message_id: s.message!.id, window_expires_at: null });
    });

    it('fills header, body and dynamic URL button values, and quick-reply payloads', async () => {
      const s = await accepted(
        { fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'order_shipped', languageCode: 'en', headerValues: ['#1001'], bodyValues: ['Asha', '#1001', 'tomorrow'], buttonValues: { '1': ['1001'], '2': ['TRACK-1001'] } } },
        TEMPLATE_OK,
      );
      expect(s.content.template.components).toEqual([
        { type: 'header', parameters: [{ type: 'text', text: '#1001' }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Asha' }, { type: 'text', text: '#1001' }, { type: 'text', text: 'tomorrow' }] },
        { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: '1001' }] },
        { type: 'button', sub_type: 'quick_reply', index: '2', parameters: [{ type: 'payload', payload: 'TRACK-1001' }] },
      ]);
    });

    it('media headers (with fileName), copy-code buttons, named parameters, carousels, order_details and order_status', async () => {
      const sale = await accepted({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'summer_sale', languageCode: 'en', headerValues: [IMG], bodyValues: ['Asha', '25'], buttonValues: { '0': ['SALE25'] } } }, TEMPLATE_OK);
      expect(sale.content.template.components[0]).toEqual({ type: 'header', parameters: [{ type: 'image', image: { link: IMG } }] });
      expect(sale.content.template.components[2]).toEqual({ type: 'button', sub_type: 'copy_code', index: '0', parameters: [{ type: 'coupon_code', coupon_code: 'SALE25' }] });
      const doc = await accepted({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'invoice', languageCode: 'en', headerValues: ['https://cdn.example.com/i.pdf'], fileName: 'invoice.pdf' } }, TEMPLATE_OK);
      expect(doc.content.template.components).toEqual([{ type: 'header', parameters: [{ type: 'document', document: { link: 'https://cdn.example.com/i.pdf', filename: 'invoice.pdf' } }] }]);
      const named = await accepted({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'named_greeting', languageCode: 'en', bodyValues: ['Asha', '1234'] } }, TEMPLATE_OK);
      expect(named.content.template.components[0].parameters).toEqual([{ type: 'text', parameter_name: 'first_name', text: 'Asha' }, { type: 'text', parameter_name: 'code', text: '1234' }]);
      const card = (n: string) => ({ headerValues: [IMG], bodyValues: [n], buttonValues: { '1': [n] } });
      const carousel = await accepted({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'carousel_promo', languageCode: 'en', bodyValues: ['Asha'], carouselCards: [card('a'), card('b')] } }, TEMPLATE_OK);
      expect(carousel.content.template.components[1].cards[1]).toEqual({
        card_index: 1,
        components: [
          { type: 'header', parameters: [{ type: 'image', image: { link: IMG } }] },
          { type: 'body', parameters: [{ type: 'text', text: 'b' }] },
          { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'b' }] },
        ],
      });
      const order = {
        reference_id: 'ref-1',
        order_items: [{ name: 'Strawberry Cake', quantity: 2, amount: 1.5, country_of_origin: 'India' }],
        subtotal: 3,
        discount: 0,
        tax: 0.5,
        shipping: 0,
        total_amount: 3.5,
        currency: 'INR',
      };
      const pay = await accepted({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'pay_order', languageCode: 'en', headerValues: [IMG], bodyValues: ['mj'], order_details: [order] } }, TEMPLATE_OK);
      const action = pay.content.template.components[2].parameters[0].action.order_details;
      expect(action).toMatchObject({ reference_id: 'ref-1', currency: 'INR', total_amount: { value: 350, offset: 100 }, order: { subtotal: { value: 300, offset: 100 }, items: [{ name: 'Strawberry Cake', quantity: 2, amount: { value: 150, offset: 100 } }] } });
      await refused({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'pay_order', languageCode: 'en', headerValues: [IMG], bodyValues: ['mj'], order_details: [{ ...order, total_amount: 9 }] } }, /^template.order_details\[0\].total_amount must equal subtotal \+ tax \+ shipping − discount \(3.5\)$/);
      const status = await accepted({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'payment_confirmation', languageCode: 'en', bodyValues: ['200'], order_status: { reference_id: 'ref-1', order: { status: 'canceled', description: 'Order failed' } } } }, TEMPLATE_OK);
      expect(status.content.template.components[1]).toEqual({ type: 'order_status', parameters: [{ type: 'order_status', order_status: { reference_id: 'ref-1', order: { status: 'canceled', description: 'Order failed' } } }] });
      await refused({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'payment_confirmation', languageCode: 'en', bodyValues: ['200'], order_status: { reference_id: 'r', order: { status: 'lost' } } } }, /^template.order_status.order.status must be one of pending, processing/);
    });

    it('authentication templates: OTP in body and button, 10-minute time to live, 15-character limit', async () => {
      const before = app.context.clock.nowMs();
      const s = await accepted({ countryCode: '+91', phoneNumber: '9028883545', type: 'Template', template: { name: 'login_otp', languageCode: 'en', bodyValues: ['482913'], buttonValues: { '0': ['482913'] } } }, TEMPLATE_OK);
      expect(s.content.template.components[1]).toEqual({ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '482913' }] });
      expect(Number(s.message!.expires_at) - before).toBeLessThanOrEqual(10 * 60_000 + 1000);
      expect(s.message!.template_category).toBe('AUTHENTICATION');
      await refused({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'login_otp', languageCode: 'en', bodyValues: ['1'.repeat(16)], buttonValues: { '0': ['1'] } } }, /^template.bodyValues\[0\] must be at most 15 characters/);
      await refused({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'login_otp', languageCode: 'en', bodyValues: ['1234'] } }, "Missing variable values for template's button at index 0, expected number of values are 1");
    });

    it("refuses wrong variable counts with Interakt's exact messages", async () => {
      const t = (template: Record<string, unknown>) => ({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'order_shipped', languageCode: 'en', buttonValues: { '1': ['1'] }, ...template } });
      await refused(t({ bodyValues: ['#1001', 'Asha', '#1001', 'tomorrow'] }), "Missing variable values for template's header, expected number of values are 1");
      await refused(t({ headerValues: ['#1'], bodyValues: ['Asha'] }), "Missing variable values for template's body, expected number of values are 3");
      await refused(t({ headerValues: ['#1'], bodyValues: ['a', 'b', 'c', 'd'] }), "Missing variable values for template's body, expected number of values are 3");
      await refused(t({ headerValues: ['#1'], bodyValues: ['a', 'b', 'c'], buttonValues: {} }), "Missing variable values for template's button at index 1, expected number of values are 1");
      await refused(t({ headerValues: ['#1'], bodyValues: ['a', 'b', 'c'], buttonValues: { '1': ['x'], '7': ['y'] } }), /^template.buttonValues.7 does not name a button: the template has 3 buttons/);
      await refused(t({ headerValues: ['#1'], bodyValues: ['a', 'b\nc', 'c'] }), /^template.bodyValues\[1\] cannot contain new-line or tab characters/);
      await refused({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'summer_sale', languageCode: 'en', bodyValues: ['a', '1'], buttonValues: { '0': ['X'] } } }, "Missing variable values for template's header, expected number of values are 1");
      await refused({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'summer_sale', languageCode: 'en', headerValues: ['http://10.0.0.1/a.png'.replace('http://10.0.0.1', 'file://x')], bodyValues: ['a', '1'], buttonValues: { '0': ['X'] } } }, /^template.headerValues\[0\] must be an http\(s\) URL/);
      await refused({ fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'carousel_promo', languageCode: 'en', bodyValues: ['a'], carouselCards: [{ headerValues: [IMG], bodyValues: ['a'], buttonValues: { '1': ['a'] } }] } }, "Missing values for template's carousel cards, expected number of cards are 2");
    });

    it('refuses an unknown template, a language it is not approved in (naming the ones it is), paused and disabled templates', async () => {
      const t = (name: string, languageCode: string) => ({ fullPhoneNumber: newPhone(), type: 'Template', template: { name, languageCode, bodyValues: ['a', 'b', 'c'] } });
      await refused(t('no_such_template', 'en'), /^Template error - no approved template found with name "no_such_template"/);
      await refused(t('order_shipped', 'de'), 'Template error - no approved template found with name "order_shipped" in language "de"; it is approved in: en, hi');
      await refused(t('order_shipped', 'fr'), 'Template error - no approved template found with name "order_shipped" in language "fr" (it is PENDING in fr); it is approved in: en, hi');
      await refused(t('paused_promo', 'en'), /^Template "paused_promo" \(en\) is paused by Meta/);
      await refused(t('disabled_promo', 'en'), /^Template "disabled_promo" \(en\) is disabled by Meta/);
      await refused({ type: 'Template', fullPhoneNumber: newPhone() }, /^template is required for type Template/);
    });

    it("applies the template_category guard with Interakt's message", async () => {
      await refused(
        { fullPhoneNumber: newPhone(), template_category: 'utility', type: 'Template', template: { name: 'summer_sale', languageCode: 'en', headerValues: [IMG], bodyValues: ['a', '1'], buttonValues: { '0': ['X'] } } },
        "Message not sent. Template category mismatch: Expected 'utility', but received 'MARKETING'. Please update the request to match the approved template category.",
      );
      await accepted({ fullPhoneNumber: newPhone(), template_category: 'utility', type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } }, TEMPLATE_OK);
    });

    it('sends from another number of the workspace named by phoneNumberId, and refuses an unknown one', async () => {
      await refused({ fullPhoneNumber: newPhone(), phoneNumberId: '999999', type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } }, 'phoneNumberId 999999 is not a WhatsApp number of this workspace');
      const res = await send({ fullPhoneNumber: newPhone(), phoneNumberId: fx.phoneNumberId, type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } });
      expect(res.statusCode).toBe(201);
    });
  });

  describe('Idempotency-Key', () => {
    it('returns the first answer for a repeat and stores nothing more; a different body with the same key is 409', async () => {
      const payload = { fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } };
      const first = await send(payload, { 'idempotency-key': 'order-1001-confirmation' });
      expect(first.statusCode).toBe(201);
      const before = await storedCounts(app);
      const again = await send(payload, { 'idempotency-key': 'order-1001-confirmation' });
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(first.json());
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await storedCounts(app)).toEqual(before);
      const other = await send({ ...payload, callbackData: 'different' }, { 'idempotency-key': 'order-1001-confirmation' });
      expect(other.statusCode).toBe(409);
      expect(other.json()).toEqual({ result: false, message: 'Idempotency-Key "order-1001-confirmation" was already used with a different request body; use a new key for a new request' });
      expect(await storedCounts(app)).toEqual(before);
    });

    it('concurrent requests with the same key store one message and all get its answer', async () => {
      const payload = { fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } };
      const before = await storedCounts(app);
      const answers = await Promise.all(Array.from({ length: 5 }, () => send(payload, { 'idempotency-key': 'race-1' })));
      expect(new Set(answers.map((a) => a.statusCode))).toEqual(new Set([201]));
      expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
      const after = await storedCounts(app);
      expect(after.messages - before.messages).toBe(1);
      expect(after.dispatch - before.dispatch).toBe(1);
    });

    it('a key is forgotten after 24 hours; a refused request stores no key', async () => {
      const payload = { fullPhoneNumber: newPhone(), type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } };
      const first = await send(payload, { 'idempotency-key': 'daily-1' });
      app.context.clock.advance(24 * 3_600_000 + 1);
      const second = await send(payload, { 'idempotency-key': 'daily-1' });
      expect(second.statusCode).toBe(201);
      expect(second.json().id).not.toBe(first.json().id);
      await refused({ fullPhoneNumber: '12', type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } }, /fullPhoneNumber/, { 'idempotency-key': 'refused-1' });
      await customerWrote(app, fx, ASHA, 'Asha Rao');
    });
  });
});
