import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { caller } from './helpers.ts';

/** Ten customers with known traits; created_at spaced by a minute from 2024-01-01. */
const T0 = Date.UTC(2024, 0, 1);
const PEOPLE = Array.from({ length: 10 }, (_, i) => ({
  fullPhoneNumber: `9198765100${String(i).padStart(2, '0')}`,
  createdAt: new Date(T0 + i * 60_000).toISOString(),
  traits: { name: `Person ${i}`, city: i % 2 === 0 ? 'Pune' : 'Delhi', orders: i, vip: i >= 7, plan: i < 3 ? 'gold' : 'basic', joined: `2024-0${1 + (i % 9)}-15` },
  tags: i % 3 === 0 ? ['triple'] : [],
}));

describe('Get Users (/v1/public/apis/users/)', () => {
  let app: TestApp;
  let api: ReturnType<typeof caller>;
  beforeAll(async () => {
    app = await startTestApp();
    api = caller(app);
    for (const p of PEOPLE) expect((await api.trackUser(p)).status).toBe(202);
  });
  afterAll(async () => {
    await app?.destroy();
  });

  const names = async (filters: unknown[], query = '?offset=0&limit=100') => {
    const res = await api.getUsers({ filters }, query);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body.data.customers as { traits: { name: string } }[]).map((c) => Number(c.traits.name.split(' ')[1]));
  };

  it("answers Interakt's shape", async () => {
    const res = await api.getUsers({ filters: [{ trait: 'name', op: 'eq', val: 'Person 4' }] }, '?offset=0&limit=10');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      result: true,
      message: 'Customers',
      data: {
        total_customers: 1,
        offset: 0,
        limit: 10,
        has_next_page: false,
        customers: [
          {
            id: expect.any(String),
            phone_number: '9876510004',
            country_code: '+91',
            channel_phone_number: '919876510004',
            user_id: null,
            created_at_utc: new Date(T0 + 4 * 60_000).toISOString(),
            modified_at_utc: expect.any(String),
            traits: { name: 'Person 4', city: 'Pune', orders: 4, vip: false, plan: 'basic', joined: '2024-05-15' },
            tags: [],
            tag_names: [],
          },
        ],
      },
    });
  });

  it('supports each operator on typed traits', async () => {
    expect(await names([{ trait: 'city', op: 'eq', val: 'Delhi' }])).toEqual([1, 3, 5, 7, 9]);
    expect(await names([{ trait: 'orders', op: 'eq', val: 3 }])).toEqual([3]);
    expect(await names([{ trait: 'vip', op: 'eq', val: true }])).toEqual([7, 8, 9]);
    expect(await names([{ trait: 'plan', op: 'ne', val: 'basic' }])).toEqual([0, 1, 2]);
    expect(await names([{ trait: 'orders', op: 'gt', val: 7 }])).toEqual([8, 9]);
    expect(await names([{ trait: 'orders', op: 'gte', val: '7' }])).toEqual([7, 8, 9]);
    expect(await names([{ trait: 'orders', op: 'lt', val: 2 }])).toEqual([0, 1]);
    expect(await names([{ trait: 'orders', op: 'lte', val: 2 }])).toEqual([0, 1, 2]);
    expect(await names([{ trait: 'joined', op: 'gte', val: '2024-08-01' }])).toEqual([7, 8]);
    expect(await names([{ trait: 'city', op: 'contains', val: 'UN' }])).toEqual([0, 2, 4, 6, 8]);
    expect(await names([{ trait: 'name', op: 'contains', val: 'son 1' }])).toEqual([1]);
    expect(await names([{ trait: 'orders', op: 'in', val: [1, 4, 99] }])).toEqual([1, 4]);
    expect(await names([{ trait: 'plan', op: 'in', val: ['gold'] }])).toEqual([0, 1, 2]);
    expect(await names([{ trait: 'tags', op: 'eq', val: 'triple' }])).toEqual([0, 3, 6, 9]);
    expect(await names([{ trait: 'missing', op: 'not_exists' }])).toHaveLength(10);
  });

  it('filters on created_at_utc and modified_at_utc (the polling workaround)', async () => {
    const from = new Date(T0 + 2 * 60_000 + 1).toISOString();
    const to = new Date(T0 + 5 * 60_000 + 1).toISOString();
    expect(await names([{ trait: 'created_at_utc', op: 'gt', val: from }, { trait: 'created_at_utc', op: 'lt', supr_op: 'and', val: to }])).toEqual([3, 4, 5]);
    expect(await names([{ trait: 'modified_at_utc', op: 'gt', val: '2020-01-01T00:00:00Z' }])).toHaveLength(10);
    expect(await names([{ trait: 'modified_at_utc', op: 'gt', val: new Date(app.context.clock.nowMs() + 60_000).toISOString() }])).toEqual([]);
  });

  it('mixes and/or left to right', async () => {
    // (city = Pune or orders = 1) and vip = false  →  0 2 4 6 and 1
    expect(await names([{ trait: 'city', op: 'eq', val: 'Pune' }, { trait: 'orders', op: 'eq', val: 1, supr_op: 'or' }, { trait: 'vip', op: 'eq', val: false, supr_op: 'and' }])).toEqual([0, 1, 2, 4, 6]);
    // (vip = true and city = Delhi) or plan = gold  →  7 9 and 0 1 2
    expect(await names([{ trait: 'vip', op: 'eq', val: true }, { trait: 'city', op: 'eq', val: 'Delhi', supr_op: 'and' }, { trait: 'plan', op: 'eq', val: 'gold', supr_op: 'or' }])).toEqual([0, 1, 2, 7, 9]);
  });

  it('pages with offset and limit at the boundaries', async () => {
    const page = async (offset: number, limit: number) => (await api.getUsers({}, `?offset=${offset}&limit=${limit}`)).body.data;
    const first = await page(0, 4);
    expect(first).toMatchObject({ total_customers: 10, offset: 0, limit: 4, has_next_page: true });
    expect(first.customers).toHaveLength(4);
    const last = await page(8, 4);
    expect(last).toMatchObject({ has_next_page: false });
    expect(last.customers.map((c: { traits: { name: string } }) => c.traits.name)).toEqual(['Person 8', 'Person 9']);
    const exact = await page(6, 4);
    expect(exact.has_next_page).toBe(false);
    expect(exact.customers).toHaveLength(4);
    const beyond = await page(10, 4);
    expect(beyond).toMatchObject({ total_customers: 10, has_next_page: false, customers: [] });
    const all = await page(0, 100);
    expect(all.customers).toHaveLength(10);
  });

  it('refuses bad filters and limits with 400', async () => {
    for (const [body, query, message] of [
      [{}, '?limit=101', /limit must be a whole number from 1 to 100/],
      [{}, '?limit=0', /limit/],
      [{ filters: [{ trait: 'city', op: 'like', val: 'x' }] }, '', /op must be one of/],
      [{ filters: [{ trait: 'city', op: 'eq' }] }, '', /val is required/],
      [{ filters: [{ trait: 'city', op: 'eq', val: 'x' }, { trait: 'city', op: 'eq', val: 'y', supr_op: 'xor' }] }, '', /supr_op must be "and" or "or"/],
      [{ filters: [{ trait: 'created_at_utc', op: 'gt', val: 'last week' }] }, '', /ISO-8601/],
      [{ filters: [{ trait: 'orders', op: 'in', val: 3 }] }, '', /non-empty array/],
    ] as const) {
      const res = await api.getUsers(body, query);
      expect(res.status, String(message)).toBe(400);
      expect(res.body.result).toBe(false);
      expect(res.body.message).toMatch(message);
    }
  });

  it('gets one user by national phone number or by id; 404 when unknown', async () => {
    const byPhone = await api.call('GET', '/v1/public/apis/users/phone_number/9876510003');
    expect(byPhone.status).toBe(200);
    expect(byPhone.body.data.customers).toHaveLength(1);
    const id = byPhone.body.data.customers[0].id;
    const byId = await api.call('GET', `/v1/public/apis/users/id/${id}`);
    expect(byId.body.data.customers[0].phone_number).toBe('9876510003');
    expect((await api.call('GET', '/v1/public/apis/users/phone_number/9000000000')).status).toBe(404);
    expect((await api.call('GET', '/v1/public/apis/users/id/nope')).body).toEqual({ result: false, message: 'Customer not found' });
    expect((await api.call('GET', '/v1/public/apis/users/phone_number/98abc')).status).toBe(400);
  });
});
