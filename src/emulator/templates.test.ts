import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './test-support.ts';

const ASHA = '919800000001';

describe('emulator: templates', () => {
  let h: Harness;
  const path = () => `/${h.number.waba_id}/message_templates`;
  const create = (body: Record<string, unknown>) => h.graphCall('POST', path(), { language: 'en_US', category: 'UTILITY', ...body });
  const review = () => h.advance(h.emulator.tunables.templateReviewDelayMs);
  const sendTpl = (name: string, components?: unknown[], lang = 'en_US', apiVersion = 'v21.0') =>
    fetch(`${h.url}/graph/${apiVersion}/${h.number.phone_number_id}/messages`, {
      method: 'POST', headers: { authorization: `Bearer ${h.number.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', to: ASHA, type: 'template', template: { name, language: { code: lang }, ...(components ? { components } : {}) } }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  beforeAll(async () => {
    h = await startHarness({ tunables: { limits: { throughput: false, pairRate: false, managementCalls: true, messagingTier: false } } });
  });
  afterAll(async () => h.close());

  it('a new WABA starts with hello_world approved', async () => {
    const r = await h.graphCall('GET', `${path()}?fields=name,status,language,category`);
    expect(r.body.data).toEqual([{ name: 'hello_world', status: 'APPROVED', language: 'en_US', category: 'UTILITY', id: expect.any(String) }]);
    expect(r.body.paging.cursors.after).toBeTruthy();
  });

  it('creates PENDING, approves after the review delay and sends the status webhook', async () => {
    const r = await create({
      name: 'order_shipped',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}', example: { header_text: ['#1001'] } },
        { type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.', example: { body_text: [['Asha', '#1001']] } },
        { type: 'FOOTER', text: 'Thanks for shopping' },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Track' }, { type: 'QUICK_REPLY', text: 'Stop' }, { type: 'URL', text: 'Open', url: 'https://shop.example/o/{{1}}', example: ['1001'] }] },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: expect.stringMatching(/^\d+$/), status: 'PENDING', category: 'UTILITY' });
    expect((await sendTpl('order_shipped')).body.error.code).toBe(132001);
    await review();
    const got = await h.graphCall('GET', `/${r.body.id}?fields=status`);
    expect(got.body).toEqual({ status: 'APPROVED', id: r.body.id });
    const ev = h.sink.changes('message_template_status_update').find((v) => v.message_template_name === 'order_shipped');
    expect(ev).toEqual({
      event: 'APPROVED', message_template_id: Number(r.body.id), message_template_name: 'order_shipped', message_template_language: 'en_US',
      reason: 'NONE', message_template_category: 'UTILITY',
    });
    const post = h.sink.requests.find((q) => q.method === 'POST' && q.json.entry[0].changes[0].field === 'message_template_status_update')!;
    expect(typeof post.json.entry[0].time).toBe('number');
  });

  it('checks template sends: 132000, 132012, 132005, 131009 and success with hydrated text', async () => {
    const header = { type: 'header', parameters: [{ type: 'text', text: '#1001' }] };
    const body = { type: 'body', parameters: [{ type: 'text', text: 'Asha' }, { type: 'text', text: '#1001' }] };
    const url = { type: 'button', sub_type: 'url', index: '2', parameters: [{ type: 'text', text: '1001' }] };
    const ok = await sendTpl('order_shipped', [header, body, url, { type: 'button', sub_type: 'quick_reply', index: 0, parameters: [{ type: 'payload', payload: 'TRACK-1001' }] }]);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.messages[0].message_status).toBe('accepted');
    expect((await sendTpl('order_shipped', [header, { type: 'body', parameters: [{ type: 'text', text: 'Asha' }] }, url])).body.error.code).toBe(132000);
    expect((await sendTpl('order_shipped', [header, body])).body.error.code).toBe(132000);
    expect((await sendTpl('order_shipped', [{ type: 'header', parameters: [{ type: 'image', image: { link: 'https://x/a.png' } }] }, body, url])).body.error.code).toBe(132012);
    expect((await sendTpl('order_shipped', [header, { type: 'body', parameters: [{ type: 'text', text: 'x'.repeat(1100) }, { type: 'text', text: '1' }] }, url])).body.error.code).toBe(132005);
    expect((await sendTpl('order_shipped', [header, { type: 'body', parameters: [{ type: 'text', text: 'a\nb' }, { type: 'text', text: '1' }] }, url])).body.error.code).toBe(132007);
    expect((await sendTpl('order_shipped', [header, body, { ...url, index: '7' }])).body.error.code).toBe(131009);
    // v23+ answers component-parameter problems with 132018.
    expect((await sendTpl('order_shipped', [header, body], 'en_US', 'v23.0')).body.error.code).toBe(132018);
    expect((await sendTpl('order_shipped', [header, body, url], 'hi')).body.error.code).toBe(132001);
    expect((await sendTpl('no_such_template')).status).toBe(404);
    await h.emulator.drain();
    await h.advance(2000);
    const chat = h.emulator.getChat(ASHA);
    const shown = chat.messages.find((m) => m.id === ok.body.messages[0].id)!;
    expect(shown.text).toBe('Order #1001\nHi Asha, your order #1001 has shipped.\nThanks for shopping\n[Track]\n[Stop]\n[Open]');
  });

  it('paused and disabled templates answer 132015 and 132016', async () => {
    const t = (await h.graphCall('GET', `${path()}?name=order_shipped`)).body.data[0];
    await h.control('POST', `/templates/${t.id}/events`, { event: 'PAUSED' });
    expect((await sendTpl('order_shipped')).body.error.code).toBe(132015);
    await h.emulator.drain();
    const paused = h.sink.changes('message_template_status_update').filter((v) => v.event === 'PAUSED').at(-1);
    expect(paused.other_info.title).toBe('FIRST_PAUSE');
    await h.advance(3 * 3_600_000);
    expect((await h.graphCall('GET', `/${t.id}?fields=status`)).body.status).toBe('APPROVED');
    await h.control('POST', `/templates/${t.id}/events`, { event: 'DISABLED' });
    expect((await sendTpl('order_shipped')).body.error.code).toBe(132016);
    const del = await h.graphCall('DELETE', `${path()}?name=order_shipped`);
    expect(del.body.error.code).toBe(100);
  });

  it('validates creation with Meta\'s codes and subcodes', async () => {
    const bad = async (body: Record<string, unknown>) => (await create(body)).body.error;
    expect((await bad({ name: 'Bad Name', components: [{ type: 'BODY', text: 'x' }] })).code).toBe(100);
    expect((await bad({ name: 'x1', category: 'PROMO', components: [{ type: 'BODY', text: 'x' }] })).code).toBe(100);
    expect((await bad({ name: 'x2', language: 'xx_XX', components: [{ type: 'BODY', text: 'x' }] })).code).toBe(100);
    expect((await bad({ name: 'x3', components: [{ type: 'FOOTER', text: 'x' }] })).code).toBe(100);
    expect((await bad({ name: 'x4', components: [{ type: 'BODY', text: 'x'.repeat(1025) }] })).error_subcode).toBe(2388040);
    expect((await bad({ name: 'x5', components: [{ type: 'BODY', text: '{{1}} is here', example: { body_text: [['a']] } }] })).error_subcode).toBe(2388299);
    expect((await bad({ name: 'x6', components: [{ type: 'BODY', text: 'Hi {{1}} {{3}} ok', example: { body_text: [['a', 'b']] } }] })).error_subcode).toBe(2388072);
    expect((await bad({ name: 'x7', components: [{ type: 'BODY', text: 'Hi {{1}} there' }] })).code).toBe(100);
    expect((await bad({ name: 'x8', components: [{ type: 'BODY', text: 'x' }, { type: 'FOOTER', text: 'f'.repeat(61) }] })).error_subcode).toBe(2388040);
    const qr = { type: 'QUICK_REPLY', text: 'Q' };
    const urlB = { type: 'URL', text: 'U', url: 'https://e.com' };
    expect((await bad({ name: 'x9', components: [{ type: 'BODY', text: 'x' }, { type: 'BUTTONS', buttons: [qr, urlB, { ...qr, text: 'Q2' }] }] })).code).toBe(100);
    expect((await bad({ name: 'x10', components: [{ type: 'BODY', text: 'x' }, { type: 'BUTTONS', buttons: [urlB, urlB, urlB] }] })).code).toBe(100);
    expect((await bad({ name: 'hello_world', components: [{ type: 'BODY', text: 'x' }] })).error_subcode).toBe(2388024);
    expect((await create({ name: 'hello_world', language: 'hi', components: [{ type: 'BODY', text: 'namaste' }] })).status).toBe(200);
  });

  it('rejects adjacent parameters with INVALID_FORMAT and promotional utility with INCORRECT_CATEGORY', async () => {
    const a = await create({ name: 'adjacent', components: [{ type: 'BODY', text: 'Dear {{1}}{{2}}, welcome.', example: { body_text: [['a', 'b']] } }] });
    const p = await create({ name: 'promo_util', components: [{ type: 'BODY', text: 'Flat 50% off in our big sale today.' }] });
    expect(a.body.status).toBe('PENDING');
    await review();
    const evs = h.sink.changes('message_template_status_update');
    expect(evs.find((v) => v.message_template_name === 'adjacent')).toMatchObject({
      event: 'REJECTED', reason: 'INVALID_FORMAT',
      rejection_info: { reason: 'Your template has parameters placed next to each other (like {{1}}{{2}}) without text or punctuation between them.' },
    });
    expect(evs.find((v) => v.message_template_name === 'promo_util')).toMatchObject({ event: 'REJECTED', reason: 'INCORRECT_CATEGORY' });
    expect((await sendTpl('adjacent')).body.error.code).toBe(132001);
    // Rejected templates can be edited and go back to review.
    const edit = await h.graphCall('POST', `/${p.body.id}`, { category: 'MARKETING' });
    expect(edit.body).toEqual({ success: true });
    await review();
    expect((await h.graphCall('GET', `/${p.body.id}?fields=status,category`)).body).toMatchObject({ status: 'APPROVED', category: 'MARKETING' });
  });

  it('edit rules: approved templates keep their category and are edited at most once a day', async () => {
    const t = await create({ name: 'edit_me', components: [{ type: 'BODY', text: 'Your code is ready.' }] });
    expect((await h.graphCall('POST', `/${t.body.id}`, { components: [{ type: 'BODY', text: 'x' }] })).body.error.error_subcode).toBe(2388039);
    await review();
    expect((await h.graphCall('POST', `/${t.body.id}`, { category: 'MARKETING' })).body.error.code).toBe(100);
    expect((await h.graphCall('POST', `/${t.body.id}`, { components: [{ type: 'BODY', text: 'Your order is ready.' }] })).body).toEqual({ success: true });
    await review();
    expect((await h.graphCall('POST', `/${t.body.id}`, { components: [{ type: 'BODY', text: 'Your parcel is ready.' }] })).body.error.error_subcode).toBe(2388039);
    await h.advance(24 * 3_600_000 + 1);
    expect((await h.graphCall('POST', `/${t.body.id}`, { components: [{ type: 'BODY', text: 'Your parcel is ready.' }] })).body).toEqual({ success: true });
  });

  it('delete rules: by name, by hsm_id, bulk all-or-nothing, 30-day name block', async () => {
    const a = await create({ name: 'to_delete', components: [{ type: 'BODY', text: 'Bye now.' }] });
    await create({ name: 'to_delete', language: 'hi', components: [{ type: 'BODY', text: 'Alvida.' }] });
    await review();
    const one = await h.graphCall('DELETE', `${path()}?name=to_delete&hsm_id=${a.body.id}`);
    expect(one.body).toEqual({ success: true });
    expect((await h.graphCall('GET', `${path()}?name=to_delete`)).body.data.map((t: any) => t.language)).toEqual(['hi']);
    expect((await create({ name: 'to_delete', components: [{ type: 'BODY', text: 'Again.' }] })).body.error.code).toBe(100);
    const b = await create({ name: 'bulk_a', components: [{ type: 'BODY', text: 'A.' }] });
    const bulkFail = await h.graphCall('DELETE', `${path()}?hsm_ids=${encodeURIComponent(JSON.stringify([b.body.id, '999']))}`);
    expect(bulkFail.body.error.code).toBe(100);
    expect((await h.graphCall('GET', `/${b.body.id}?fields=status`)).body.status).toBe('PENDING');
    expect((await h.graphCall('DELETE', `${path()}?hsm_ids=${encodeURIComponent(JSON.stringify([b.body.id]))}`)).body).toEqual({ success: true });
    expect((await h.graphCall('DELETE', `${path()}?name=never_existed`)).body.error.code).toBe(100);
    await h.advance(31 * 24 * 3_600_000);
    expect((await create({ name: 'to_delete', components: [{ type: 'BODY', text: 'Again.' }] })).status).toBe(200);
  });

  it('caps a WABA at 250 templates (2388019)', async () => {
    const other = h.emulator.createNumber({ verified_name: 'Cap Co' });
    const count = (await h.graphCall('GET', `/${other.waba_id}/message_templates?limit=1000`, undefined, other.access_token)).body.data.length;
    for (let i = count; i < 250; i++) {
      const r = await h.graphCall('POST', `/${other.waba_id}/message_templates`, { name: `t_${i}`, language: 'en_US', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hello.' }] }, other.access_token);
      expect(r.status).toBe(200);
    }
    const over = await h.graphCall('POST', `/${other.waba_id}/message_templates`, { name: 't_over', language: 'en_US', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hello.' }] }, other.access_token);
    expect(over.body.error).toMatchObject({ code: 100, error_subcode: 2388019 });
    const page = await h.graphCall('GET', `/${other.waba_id}/message_templates?limit=100`, undefined, other.access_token);
    expect(page.body.data).toHaveLength(100);
    expect(page.body.paging.next).toContain('after=');
  });
});
