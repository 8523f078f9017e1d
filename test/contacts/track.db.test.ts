import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { caller } from './helpers.ts';

describe('track users and events (/v1/public/track)', () => {
  let app: TestApp;
  let api: ReturnType<typeof caller>;
  beforeAll(async () => {
    app = await startTestApp();
    api = caller(app);
  });
  afterAll(async () => {
    await app?.destroy();
  });

  const byId = async (id: string) => (await api.call('GET', `/v1/public/apis/users/id/${id}`)).body.data.customers[0];
  const idOf = (message: string) => /^Customer with (\S+) updated successfully$/.exec(message)![1]!;

  it("creates a customer by phone and answers 202 with Interakt's body", async () => {
    const res = await api.trackUser({ userId: 'u-1', fullPhoneNumber: '919876500001', traits: { name: 'Asha', email: 'asha@example.com', city: 'Pune', orders: 3, vip: true, birthday: '1990-05-01' }, tags: ['new', 'web'] });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ result: true, message: expect.stringMatching(/^Customer with [0-9a-f-]{36} updated successfully$/) });
    const c = await byId(idOf(res.body.message));
    expect(c).toMatchObject({
      phone_number: '9876500001',
      country_code: '+91',
      channel_phone_number: '919876500001',
      user_id: 'u-1',
      traits: { name: 'Asha', email: 'asha@example.com', city: 'Pune', orders: 3, vip: true, birthday: '1990-05-01' },
      tags: ['new', 'web'],
      tag_names: ['new', 'web'],
    });
    expect(c.created_at_utc).toMatch(/Z$/);
  });

  it('replaces traits per key, removes a trait sent as null, adds tags, and finds the customer by userId alone', async () => {
    const first = await api.trackUser({ countryCode: '+91', phoneNumber: '9876500002', traits: { city: 'Pune', plan: 'gold', keep: 1 }, tags: ['a'] });
    const id = idOf(first.body.message);
    const second = await api.trackUser({ fullPhoneNumber: '919876500002', userId: 'u-2', traits: { city: 'Mumbai', plan: null }, tags: ['b', 'a'] });
    expect(idOf(second.body.message)).toBe(id);
    const third = await api.trackUser({ userId: 'u-2', traits: { note: 'line one\nline two\ttabbed' } });
    expect(third.status).toBe(202);
    expect(idOf(third.body.message)).toBe(id);
    const c = await byId(id);
    expect(c.traits).toEqual({ city: 'Mumbai', keep: 1, note: 'line one\nline two\ttabbed' });
    expect(c.tags).toEqual(['a', 'b']);
  });

  it('keeps the earlier createdAt', async () => {
    const res = await api.trackUser({ fullPhoneNumber: '919876500003', createdAt: '2021-09-08T11:35:47.089Z' });
    expect((await byId(idOf(res.body.message))).created_at_utc).toBe('2021-09-08T11:35:47.089Z');
  });

  it('refuses bad input with 400 naming the field, storing nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{ fullPhoneNumber: '91987650abcd' }, /fullPhoneNumber must contain digits only/],
      [{ countryCode: '+91', phoneNumber: '98765x0001' }, /phoneNumber must contain digits only/],
      [{ traits: { a: 1 } }, /userId or a phone number/],
      [{ userId: 'nobody-knows-me' }, /userId "nobody-knows-me" is not a known customer/],
      [{ fullPhoneNumber: '919876500004', traits: { ['k'.repeat(129)]: 1 } }, /at most 128/],
      [{ fullPhoneNumber: '919876500004', traits: { big: 'x'.repeat(4097) } }, /at most 4096 bytes/],
      [{ fullPhoneNumber: '919876500004', traits: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`t${i}`, i])) }, /at most 200 per request/],
      [{ fullPhoneNumber: '919876500004', traits: { nested: { a: 1 } } }, /traits.nested must be a string, number, boolean/],
      [{ fullPhoneNumber: '919876500004', traits: { created_at_utc: 'x' } }, /system field/],
      [{ fullPhoneNumber: '919876500004', traits: { whatsapp_opted_in: 'maybe' } }, /whatsapp_opted_in must be true or false/],
      [{ fullPhoneNumber: '919876500004', tags: [''] }, /tags\[0\] must not be empty/],
      [{ fullPhoneNumber: '919876500004', tags: ['t'.repeat(129)] }, /tags\[0\] is 129 characters/],
      [{ fullPhoneNumber: '919876500004', createdAt: 'yesterday' }, /createdAt must be an ISO-8601/],
    ];
    for (const [body, message] of cases) {
      const res = await api.trackUser(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.result).toBe(false);
      expect(res.body.message).toMatch(message);
    }
    expect((await api.call('GET', '/v1/public/apis/users/phone_number/9876500004')).status).toBe(404);
  });

  it('refuses a body over 32 KB with a 400', async () => {
    const res = await api.trackUser({ fullPhoneNumber: '919876500005', traits: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`t${i}`, 'x'.repeat(4000)])) });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/at most 32768 bytes/);
  });

  it('appends events (201 with an id), creating the customer from a phone, never replacing', async () => {
    const a = await api.trackEvent({ fullPhoneNumber: '919876500006', event: 'Product Added To Cart', traits: { productName: 'Shoes', quantity: 2, items: [{ sku: 'S1' }] } });
    expect(a.status).toBe(201);
    expect(a.body).toEqual({ result: true, message: 'Event created successfully', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const b = await api.trackEvent({ countryCode: '+91', phoneNumber: '9876500006', event: 'Product Added To Cart', traits: { productName: 'Socks' }, createdAt: '2025-01-01T00:00:00Z' });
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    const found = await api.call('GET', '/v1/public/apis/users/phone_number/9876500006');
    expect(found.status).toBe(200);
    const id = found.body.data.customers[0].id;
    const timeline = await api.call('GET', `/api/v1/contacts/${id}/timeline`);
    if (timeline.status === 200) {
      const names = timeline.body.items.filter((x: { kind: string }) => x.kind === 'event').map((x: { name: string }) => x.name);
      expect(names).toEqual(['Product Added To Cart', 'Product Added To Cart']);
    }
  });

  it('refuses an event for an unknown userId without a phone, or without a name', async () => {
    const unknown = await api.trackEvent({ userId: 'ghost', event: 'Order Placed' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/userId "ghost" is not a known customer/);
    const noName = await api.trackEvent({ fullPhoneNumber: '919876500007', event: '' });
    expect(noName.status).toBe(400);
    expect(noName.body.message).toMatch(/event is required/);
    const letters = await api.trackEvent({ fullPhoneNumber: '9198765000ab', event: 'X' });
    expect(letters.status).toBe(400);
  });

  it('records an event for a known userId', async () => {
    await api.trackUser({ userId: 'u-8', fullPhoneNumber: '919876500008' });
    const res = await api.trackEvent({ userId: 'u-8', event: 'Order Placed', traits: { total: 500 } });
    expect(res.status).toBe(201);
  });
});
