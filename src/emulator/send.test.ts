import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './test-support.ts';

const ASHA = '919800000001';

describe('emulator: POST /{phone-number-id}/messages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tunables: { limits: { throughput: false, pairRate: false, managementCalls: true, messagingTier: true } } });
    // Opens Asha's 24-hour window so session messages are accepted and delivered.
    h.emulator.userSends(ASHA, { type: 'text', text: 'Hi there' });
    await h.emulator.drain();
  });
  afterAll(async () => h.close());

  it('accepts a text message with Meta\'s success body', async () => {
    const r = await h.send({ recipient_type: 'individual', to: '+91 98000-00001', type: 'text', text: { body: 'Hello', preview_url: false } });
    expect(r.status).toBe(200);
    expect(r.body.messaging_product).toBe('whatsapp');
    expect(r.body.contacts).toEqual([{ input: '+91 98000-00001', wa_id: ASHA }]);
    expect(r.body.messages[0].id).toMatch(/^wamid\./);
    expect(r.body.messages[0].id.length).toBeLessThanOrEqual(128);
    expect(r.body.messages[0].message_status).toBeUndefined();
  });

  it('accepts every message type of the payloads reference', async () => {
    const bodies: Record<string, unknown>[] = [
      { type: 'image', image: { link: `${h.url}/emulator/samples/sample.png`, caption: 'A plant' } },
      { type: 'document', document: { link: `${h.url}/emulator/samples/sample.pdf`, filename: 'invoice.pdf', caption: 'Invoice' } },
      { type: 'audio', audio: { link: `${h.url}/emulator/samples/sample.mp3` } },
      { type: 'sticker', sticker: { link: `${h.url}/emulator/samples/sample.webp` } },
      { type: 'video', video: { link: `${h.url}/emulator/samples/sample.mp4` } },
      { type: 'location', location: { latitude: '12.97', longitude: 77.59, name: 'Office', address: 'MG Road' } },
      { type: 'contacts', contacts: [{ name: { formatted_name: 'Ravi Kumar', first_name: 'Ravi' }, phones: [{ phone: '+919800012345', type: 'CELL' }] }] },
      { type: 'interactive', interactive: { type: 'button', body: { text: 'Pick one' }, action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'Yes' } }, { type: 'reply', reply: { id: 'b', title: 'No' } }] } } },
      {
        type: 'interactive',
        interactive: {
          type: 'list', header: { type: 'text', text: 'Shipping' }, body: { text: 'Choose' }, footer: { text: 'f' },
          action: { button: 'Options', sections: [{ title: 'Fast', rows: [{ id: 'x', title: 'Express', description: '1 day' }] }, { title: 'Slow', rows: [{ id: 'y', title: 'Ground' }] }] },
        },
      },
      { type: 'interactive', interactive: { type: 'cta_url', body: { text: 'See dates' }, action: { name: 'cta_url', parameters: { display_text: 'See Dates', url: 'https://example.com' } } } },
      {
        type: 'interactive',
        interactive: { type: 'flow', body: { text: 'Book' }, action: { name: 'flow', parameters: { flow_message_version: '3', flow_token: 'T1', flow_id: '123', flow_cta: 'Book!', flow_action: 'navigate', flow_action_payload: { screen: 'S', data: { a: 1 } } } } },
      },
      { type: 'interactive', interactive: { type: 'product', body: { text: 'Look' }, action: { catalog_id: 'C1', product_retailer_id: 'SKU1' } } },
      {
        type: 'interactive',
        interactive: { type: 'product_list', header: { type: 'text', text: 'Shop' }, body: { text: 'Items' }, action: { catalog_id: 'C1', sections: [{ title: 'A', product_items: [{ product_retailer_id: 'SKU1' }] }] } },
      },
      { type: 'interactive', interactive: { type: 'catalog_message', body: { text: 'Catalog' }, action: { name: 'catalog_message', parameters: { thumbnail_product_retailer_id: 'SKU1' } } } },
      { type: 'interactive', interactive: { type: 'location_request_message', body: { text: 'Where are you?' }, action: { name: 'send_location' } } },
      { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } },
    ];
    for (const b of bodies) {
      const r = await h.send({ to: ASHA, ...b });
      expect(r.status, JSON.stringify(b) + ' → ' + JSON.stringify(r.body)).toBe(200);
    }
    const first = await h.send({ to: ASHA, type: 'text', text: { body: 'quote me' } });
    const reply = await h.send({ to: ASHA, type: 'text', text: { body: 'a reply' }, context: { message_id: first.body.messages[0].id } });
    expect(reply.status).toBe(200);
    const reaction = await h.send({ to: ASHA, type: 'reaction', reaction: { message_id: first.body.messages[0].id, emoji: '\u{1F600}' } });
    expect(reaction.status).toBe(200);
  });

  it('template sends carry message_status accepted', async () => {
    const r = await h.send({ to: ASHA, type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } });
    expect(r.body.messages[0].message_status).toBe('accepted');
  });

  it('answers Meta\'s error envelope for each validation code', async () => {
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ to: ASHA, type: 'text', text: { body: 'x' }, messaging_product: undefined }, 131008],
      [{ type: 'text', text: { body: 'x' } }, 131008],
      [{ to: ASHA, text: { body: 'x' } }, 131008],
      [{ to: ASHA, type: 'text', text: {} }, 131008],
      [{ to: ASHA, type: 'text', text: { body: 'x', bodyy: 'y' } }, 100],
      [{ to: ASHA, type: 'text', text: { body: 'x' }, colour: 'red' }, 100],
      [{ to: ASHA, type: 'text', text: { body: 'x'.repeat(4097) } }, 131009],
      [{ to: ASHA, type: 'poll', poll: {} }, 131051],
      [{ to: 'not-a-number', type: 'text', text: { body: 'x' } }, 131009],
      [{ to: ASHA, type: 'image', image: { link: 'https://x/a.png', caption: 'c'.repeat(1025) } }, 131009],
      [{ to: ASHA, type: 'image', image: {} }, 131008],
      [{ to: ASHA, type: 'image', image: { id: '1', link: 'https://x/a.png' } }, 131009],
      [{ to: ASHA, type: 'audio', audio: { link: 'https://x/a.mp3', caption: 'no captions on audio' } }, 100],
      [{ to: ASHA, type: 'interactive', interactive: { type: 'button', body: { text: 'b' }, action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'This title is far too long' } }] } } }, 131009],
      [{ to: ASHA, type: 'interactive', interactive: { type: 'button', body: { text: 'b' }, action: { buttons: [1, 2, 3, 4].map((i) => ({ type: 'reply', reply: { id: `${i}`, title: `B${i}` } })) } } }, 131009],
      [
        {
          to: ASHA, type: 'interactive',
          interactive: { type: 'list', body: { text: 'b' }, action: { button: 'Go', sections: [{ title: 's', rows: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` })) }] } },
        },
        131009,
      ],
      [{ to: ASHA, type: 'interactive', interactive: { type: 'list', body: { text: 'b' }, action: { button: 'Go', sections: [{ rows: [{ id: 'r', title: 'x'.repeat(25) }] }] } } }, 131009],
      [{ to: ASHA, type: 'interactive', interactive: { type: 'cta_url', body: { text: 'b' }, action: { name: 'cta_url', parameters: { display_text: 'x'.repeat(21), url: 'https://e.com' } } } }, 131009],
      [{ to: ASHA, type: 'interactive', interactive: { type: 'flow', body: { text: 'b' }, action: { name: 'flow', parameters: { flow_message_version: '2', flow_id: '1', flow_cta: 'Go' } } } }, 131009],
      [{ to: ASHA, type: 'interactive', interactive: { type: 'product_list', body: { text: 'b' }, action: { catalog_id: 'c', sections: [] } } }, 131008],
      [{ to: ASHA, type: 'interactive', interactive: { type: 'carousel', body: { text: 'b' }, action: {} } }, 131009],
      [{ to: ASHA, type: 'reaction', reaction: { message_id: 'wamid.x', emoji: 'ab' } }, 131009],
      [{ to: ASHA, type: 'reaction', reaction: { message_id: 'wamid.x', emoji: '\u{1F600}' }, context: { message_id: 'wamid.y' } }, 131009],
      [{ to: ASHA, type: 'contacts', contacts: [{ phones: [] }] }, 131008],
      [{ to: ASHA, type: 'text', text: { body: 'x' }, biz_opaque_callback_data: 'y'.repeat(513) }, 131009],
    ];
    for (const [body, code] of cases) {
      const r = await h.send(body);
      expect(r.body.error?.code, JSON.stringify(body).slice(0, 200) + ' → ' + JSON.stringify(r.body)).toBe(code);
      expect(r.body.error.message).toMatch(new RegExp(`^\\(#${code}\\) `));
      expect(r.body.error.type).toBe('OAuthException');
      expect(typeof r.body.error.error_data.details).toBe('string');
      expect(r.body.error.error_data.messaging_product).toBe('whatsapp');
      expect(typeof r.body.error.fbtrace_id).toBe('string');
      expect(r.status).toBe(400);
    }
  });

  it('uses the confirmed details text for button title length', async () => {
    const r = await h.send({ to: ASHA, type: 'interactive', interactive: { type: 'button', body: { text: 'b' }, action: { buttons: [{ type: 'reply', reply: { id: 'a', title: '' } }] } } });
    expect(r.body.error.error_data.details).toBe('Button title length invalid. Min length: 1, Max length: 20');
  });

  it('refuses a recipient equal to the sender with 131021', async () => {
    const r = await h.send({ to: h.number.display_phone_number, type: 'text', text: { body: 'me' } });
    expect(r.body.error.code).toBe(131021);
  });

  it('answers malformed JSON with code 100 in Meta\'s envelope', async () => {
    const r = await h.graphCall('POST', `/${h.number.phone_number_id}/messages`, '{"messaging_product": "whatsapp",');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(100);
    expect(r.body.error.message).toBe('(#100) Invalid parameter');
  });

  it('authenticates with the WABA bearer token (190)', async () => {
    const none = await fetch(`${h.graph}/${h.number.phone_number_id}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error.code).toBe(190);
    const bad = await h.send({ to: ASHA, type: 'text', text: { body: 'x' } }, 'EAAGnotatoken');
    expect(bad.status).toBe(401);
    expect(bad.body.error).toMatchObject({ code: 190, type: 'OAuthException', message: 'Invalid OAuth access token - Cannot parse access token' });
    // A token of another WABA cannot use this number.
    const other = h.emulator.createNumber({ verified_name: 'Other Co' });
    const foreign = await h.send({ to: ASHA, type: 'text', text: { body: 'x' } }, other.access_token);
    expect(foreign.body.error.code).toBe(100);
    expect(foreign.body.error.error_subcode).toBe(33);
  });

  it('accepts any Graph version and refuses a malformed one', async () => {
    const r = await h.graphCall('POST', `/${h.number.phone_number_id}/messages`, { messaging_product: 'whatsapp', to: ASHA, type: 'text', text: { body: 'v' } });
    expect(r.status).toBe(200);
    const v26 = await fetch(`${h.url}/graph/v26.0/${h.number.phone_number_id}/messages`, {
      method: 'POST', headers: { authorization: `Bearer ${h.number.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', to: ASHA, type: 'text', text: { body: 'v26' } }),
    });
    expect(v26.status).toBe(200);
    const bad = await fetch(`${h.url}/graph/latest/${h.number.phone_number_id}/messages`, { method: 'POST', headers: { authorization: `Bearer ${h.number.access_token}` } });
    expect(((await bad.json()) as any).error.code).toBe(100);
  });

  it('marks an inbound message read and shows a typing indicator', async () => {
    const inbound = h.emulator.userSends(ASHA, { type: 'text', text: 'are you there?' });
    const r = await h.send({ status: 'read', message_id: inbound.id, typing_indicator: { type: 'text' } });
    expect(r.body).toEqual({ success: true });
    expect(h.emulator.getChat(ASHA).typing).toBe(true);
    const unknown = await h.send({ status: 'read', message_id: 'wamid.nope' });
    expect(unknown.body.error.code).toBe(131009);
    expect(h.emulator.engine.message(inbound.id)!.status).toBe('read');
  });

  it('reads a phone number with the documented fields', async () => {
    const r = await h.graphCall('GET', `/${h.number.phone_number_id}?fields=display_phone_number,verified_name,quality_rating,throughput,whatsapp_business_manager_messaging_limit`);
    expect(r.body).toEqual({
      display_phone_number: '+91 90000 00001', verified_name: 'Samvad Sandbox', quality_rating: 'GREEN', throughput: { level: 'STANDARD' },
      whatsapp_business_manager_messaging_limit: 'TIER_250', id: h.number.phone_number_id,
    });
    const bad = await h.graphCall('GET', `/${h.number.phone_number_id}?fields=colour`);
    expect(bad.body.error.code).toBe(100);
  });
});
