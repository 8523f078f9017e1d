import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';

/**
 * A template's life against the in-process Cloud API emulator, over real HTTP: created through the
 * native API (checked, submitted to the sandbox WABA), PENDING until the emulator's review sends
 * message_template_status_update, then APPROVED or REJECTED with Meta's reason; sent; paused by a
 * quality drop (refused locally with a clear message), unpaused, disabled; edited and deleted.
 * Status moves only with the webhooks the emulator sends.
 */
describe('template lifecycle against the emulator', () => {
  let app: TestApp;
  let wabaId: string;

  beforeAll(async () => {
    app = await startTestApp();
    const row = await app.context.database.db.selectFrom('business_numbers').select(['waba_id']).where('is_default', '=', 1).executeTakeFirstOrThrow();
    wabaId = row.waba_id;
  });
  afterAll(async () => {
    await app?.destroy();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: app.auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const emulator = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}/emulator${path}`, { method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return (await res.json()) as any;
  };
  const statusOf = async (id: string) => (await api('GET', `/api/v1/templates/${id}`)).body.status as string;
  const waitForStatus = (id: string, status: string) => expect.poll(() => statusOf(id), { timeout: 15_000, interval: 100 }).toBe(status);
  const send = (name: string, bodyValues: string[], phone = '919800000002') =>
    api('POST', '/v1/public/message/', { fullPhoneNumber: phone, type: 'Template', template: { name, languageCode: 'en', bodyValues } });

  const orderUpdate = {
    name: 'order_update',
    language: 'en',
    category: 'UTILITY',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
      { type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped and arrives soon.', example: { body_text: [['Asha', '#1042']] } },
      { type: 'FOOTER', text: 'Reply STOP to opt out' },
      { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Track', url: 'https://shop.example.com/t/{{1}}', example: ['https://shop.example.com/t/1042'] }, { type: 'QUICK_REPLY', text: 'Thanks' }] },
    ],
  };

  it('create → PENDING → APPROVED → send → PAUSED (refused) → unpaused → DISABLED (refused, not deletable)', async () => {
    // The header variable has no example: refused locally with the field named, nothing submitted.
    const bad = await api('POST', '/api/v1/templates', orderUpdate);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ field: 'components[0].example.header_text', message: 'is required: one example value per variable, as ["value"]' }]);
    expect((await emulator('GET', `/templates?waba_id=${wabaId}`)).data.map((t: { name: string }) => t.name)).not.toContain('order_update');

    const def = { ...orderUpdate, components: [{ ...orderUpdate.components[0], example: { header_text: ['#1042'] } }, ...orderUpdate.components.slice(1)] };
    const created = await api('POST', '/api/v1/templates', def);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'order_update', language: 'en', category: 'UTILITY', status: 'PENDING', source: 'samvad', sendable: false });
    const id = created.body.id as string;
    const metaId = created.body.providerTemplateId as string;
    expect(metaId).toMatch(/^\d+$/);
    // The emulator (Meta) holds it in review.
    const inMeta = (await emulator('GET', `/templates?waba_id=${wabaId}`)).data.find((t: { id: string }) => t.id === metaId);
    expect(inMeta).toMatchObject({ name: 'order_update', status: 'PENDING' });

    // A send while it is in review is refused.
    const early = await send('order_update', ['Bilal', '#7']);
    expect(early.status).toBe(400);
    expect(early.body.message).toBe('Template error - no approved template found with name "order_update" in language "en" (it is PENDING in en); it is not approved in any language yet');

    // Review after 10 s of emulator time: APPROVED arrives by webhook.
    await emulator('POST', '/clock/advance', { seconds: 11 });
    await waitForStatus(id, 'APPROVED');

    const sent = await api('POST', '/v1/public/message/', {
      fullPhoneNumber: '919800000002',
      type: 'Template',
      template: { name: 'order_update', languageCode: 'en', headerValues: ['#7'], bodyValues: ['Bilal', '#7'], buttonValues: { '0': ['7'] } },
    });
    expect(sent.status).toBe(201);
    await expect
      .poll(async () => (await emulator('GET', '/users/919800000002/chat')).messages.some((m: { from: string; type: string; text?: string }) => m.from === 'business' && m.type === 'template'), { timeout: 15_000, interval: 100 })
      .toBe(true);

    // Quality drops: Meta pauses it (FIRST_PAUSE, 3 hours) and reports quality RED.
    await emulator('POST', `/templates/${metaId}/events`, { event: 'PAUSED' });
    await waitForStatus(id, 'PAUSED');
    await expect.poll(async () => (await api('GET', `/api/v1/templates/${id}`)).body.qualityScore, { timeout: 15_000, interval: 100 }).toBe('RED');
    const paused = (await api('GET', `/api/v1/templates/${id}`)).body;
    expect(paused.statusDetail).toEqual({ other_info: { title: 'FIRST_PAUSE', description: 'Your template has been paused for 3 hours due to low quality.' } });
    const refused = await send('order_update', ['Bilal', '#8']);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ result: false, message: 'Template "order_update" (en) is paused by Meta because of low quality; it cannot be sent until Meta unpauses it' });

    // Three hours later Meta unpauses it.
    await emulator('POST', '/clock/advance', { hours: 3 });
    await waitForStatus(id, 'APPROVED');
    expect((await api('GET', `/api/v1/templates/${id}`)).body.statusDetail).toEqual({ other_info: { title: 'UNPAUSE', description: 'Your template has been unpaused.' } });

    // Disabled after a third quality drop: refused, and Meta does not delete disabled templates.
    await emulator('POST', `/templates/${metaId}/events`, { event: 'DISABLED' });
    await waitForStatus(id, 'DISABLED');
    const disabled = (await api('GET', `/api/v1/templates/${id}`)).body;
    expect(disabled.disabledAt).toEqual(expect.any(String));
    expect(disabled.statusDetail.other_info).toEqual({ title: 'DISABLED', description: 'Your template has been disabled due to low quality.' });
    const refused2 = await send('order_update', ['Bilal', '#9']);
    expect(refused2.body).toEqual({ result: false, message: 'Template "order_update" (en) is disabled by Meta and cannot be sent' });
    const del = await api('DELETE', `/api/v1/templates/${id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toBe('Template "order_update" (en) is DISABLED; Meta does not allow deleting disabled templates');

    // The history of what Meta said.
    const events = (await api('GET', `/api/v1/templates/${id}/events`)).body.data as { event: string; status: string; qualityScore: string | null }[];
    // Meta sends the quality drop and the pause as separate webhooks; their relative order is not fixed.
    expect(events.filter((e) => e.event !== 'QUALITY_UPDATE').map((e) => `${e.event}>${e.status}`)).toEqual(['APPROVED>APPROVED', 'PAUSED>PAUSED', 'APPROVED>APPROVED', 'DISABLED>DISABLED']);
    expect(events.filter((e) => e.event === 'QUALITY_UPDATE').map((e) => e.qualityScore)).toEqual(['RED', 'RED']);
  });

  it('REJECTED with Meta reason, edited into the right category, re-reviewed and APPROVED, then deleted', async () => {
    // Promotional wording in a UTILITY template: the emulator's review rejects it as INCORRECT_CATEGORY.
    const created = await api('POST', '/api/v1/templates', {
      name: 'weekend_note',
      language: 'en',
      category: 'utility',
      components: [{ type: 'BODY', text: 'Hi {{1}}, our weekend sale starts now.', example: { body_text: [['Asha']] } }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await emulator('POST', '/clock/advance', { seconds: 11 });
    await waitForStatus(id, 'REJECTED');
    expect((await api('GET', `/api/v1/templates/${id}`)).body).toMatchObject({ rejectedReason: 'INCORRECT_CATEGORY', sendable: false });
    const refused = await send('weekend_note', ['Bilal']);
    expect(refused.body.message).toBe('Template error - no approved template found with name "weekend_note" in language "en" (it is REJECTED in en); it is not approved in any language yet');

    // A rejected template may change category; the edit goes back to review.
    const edited = await api('PATCH', `/api/v1/templates/${id}`, { category: 'MARKETING' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ status: 'PENDING', category: 'MARKETING', rejectedReason: null });
    await emulator('POST', '/clock/advance', { seconds: 11 });
    await waitForStatus(id, 'APPROVED');
    // An approved template's category cannot change.
    const again = await api('PATCH', `/api/v1/templates/${id}`, { category: 'UTILITY' });
    expect(again.status).toBe(400);
    expect(again.body.error.message).toBe('The category of an approved template cannot be changed (it is MARKETING); create a new template instead');

    // Deleted in Meta, kept here as DELETED; the list leaves it out.
    const del = await api('DELETE', `/api/v1/templates/${id}`);
    expect(del.status).toBe(200);
    expect(del.body.status).toBe('DELETED');
    const metaList = (await emulator('GET', `/templates?waba_id=${wabaId}`)).data.map((t: { name: string }) => t.name);
    expect(metaList).not.toContain('weekend_note');
    const list = (await api('GET', '/api/v1/templates')).body.data.map((t: { name: string }) => t.name);
    expect(list).not.toContain('weekend_note');
    expect((await api('GET', '/api/v1/templates?status=DELETED')).body.data.map((t: { name: string }) => t.name)).toContain('weekend_note');
  });

  it('keeps Meta rejection_info for INVALID_FORMAT', async () => {
    const created = await api('POST', '/api/v1/templates', {
      name: 'delivery_window',
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Your delivery {{1}} is booked for tomorrow morning.', example: { body_text: [['#55']] } }],
    });
    const id = created.body.id as string;
    await emulator('POST', `/templates/${created.body.providerTemplateId}/events`, { event: 'REJECTED', reason: 'INVALID_FORMAT' });
    await waitForStatus(id, 'REJECTED');
    expect((await api('GET', `/api/v1/templates/${id}`)).body).toMatchObject({
      rejectedReason: 'INVALID_FORMAT',
      rejectionInfo: {
        reason: 'Your template has parameters placed next to each other (like {{1}}{{2}}) without text or punctuation between them.',
        recommendation: 'Separate parameters with descriptive text and ensure each parameter is clearly contextualized.',
      },
    });
  });

  it('a duplicate (name, language) is refused before Meta is asked', async () => {
    const res = await api('POST', '/api/v1/templates', { name: 'hello_world', language: 'en_US', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hello there' }] });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe('Template "hello_world" already exists in language "en_US" in this number\'s WhatsApp Business Account (status APPROVED)');
  });

  it('Meta refusing a create leaves nothing stored', async () => {
    // The emulator blocks the name of an approved template deleted less than 30 days ago.
    const def = { name: 'reused_name', language: 'en', category: 'UTILITY', components: [{ type: 'BODY', text: 'Your booking is confirmed.' }] };
    const first = await api('POST', '/api/v1/templates', def);
    await emulator('POST', `/templates/${first.body.providerTemplateId}/events`, { event: 'APPROVED' });
    await waitForStatus(first.body.id, 'APPROVED');
    expect((await api('DELETE', `/api/v1/templates/${first.body.id}`)).status).toBe(200);
    // Meta's DELETED webhook follows; wait for it so the snapshot below is final.
    await expect.poll(async () => (await api('GET', `/api/v1/templates/${first.body.id}/events`)).body.data.map((e: { event: string }) => e.event), { timeout: 15_000, interval: 100 }).toContain('DELETED');
    const before = await app.context.database.db.selectFrom('templates').selectAll().where('name', '=', 'reused_name').execute();
    const again = await api('POST', '/api/v1/templates', def);
    expect(again.status).toBe(400);
    expect(again.body.error.message).toMatch(/^Meta refused to create the template: \(#100\/2388023\) /);
    expect(await app.context.database.db.selectFrom('templates').selectAll().where('name', '=', 'reused_name').execute()).toEqual(before);
  });

  it('sync imports a template created directly in Meta (the emulator)', async () => {
    // A first sync brings what Samvad already knows up to date (quality scores), so the second counts only the import.
    expect((await api('POST', '/api/v1/templates/sync', {})).status).toBe(200);
    const state = await emulator('GET', '');
    const number = state.numbers.find((n: { waba_id: string }) => n.waba_id === wabaId);
    const res = await fetch(`${app.url}/graph/v21.0/${wabaId}/message_templates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${number.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'made_in_meta', language: 'hi', category: 'MARKETING', components: [{ type: 'BODY', text: 'नमस्ते {{1}}, नया संग्रह आ गया है।', example: { body_text: [['आशा']] } }] }),
    });
    expect(res.status).toBe(200);
    const metaId = ((await res.json()) as { id: string }).id;
    await emulator('POST', `/templates/${metaId}/events`, { event: 'APPROVED' });
    // Not known here until synced (its webhook matched nothing).
    expect((await api('GET', '/api/v1/templates?name=made_in_meta')).body.total).toBe(0);
    const sync = await api('POST', '/api/v1/templates/sync', {});
    expect(sync.status).toBe(200);
    expect(sync.body).toMatchObject({ wabaId, upserted: 1, removed: 0 });
    const t = (await api('GET', `/api/v1/templates/${metaId}`)).body;
    expect(t).toMatchObject({ name: 'made_in_meta', language: 'hi', category: 'MARKETING', status: 'APPROVED', source: 'sync', providerTemplateId: metaId });
    // And it renders a preview with values.
    const preview = await api('POST', `/api/v1/templates/${t.id}/preview`, { bodyValues: ['आशा'] });
    expect(preview.body.text).toBe('नमस्ते आशा, नया संग्रह आ गया है।');
  });
});
