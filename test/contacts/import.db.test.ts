import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, spawnSamvad } from '../helpers/spawn-samvad.ts';
import { startTestApp, TEST_API_SECRET, type TestApp } from '../helpers/start-test-app.ts';
import { caller } from './helpers.ts';

const AUTH = `Basic ${Buffer.from(`${TEST_API_SECRET}:`).toString('base64')}`;

async function waitForImport(get: () => Promise<{ status: string }>, until: (s: any) => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    const s = await get();
    if (until(s)) return s as any;
    if (Date.now() > end) throw new Error(`import did not reach the state: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('CSV import (/api/v1/contacts/imports)', () => {
  let app: TestApp;
  let api: ReturnType<typeof caller>;
  beforeAll(async () => {
    app = await startTestApp();
    api = caller(app);
  });
  afterAll(async () => {
    await app?.destroy();
  });

  const upload = (csv: string, query = '') => api.call('POST', `/api/v1/contacts/imports${query}`, csv, { 'content-type': 'text/csv' });
  const status = async (id: string) => (await api.call('GET', `/api/v1/contacts/imports/${id}`)).body;

  it('maps columns, validates each row, reports bad rows as a CSV, deduplicates by phone', async () => {
    const csv = [
      'Mobile,Full Name,City,Orders,Tags,Note',
      '919876540001,Asha,Pune,3,"vip;new","line one\nline two"',
      '+91 98765 40002,Bilal,Delhi,0,,',
      'not-a-phone,Chand,Agra,1,,',
      '9198765400ab,Dev,Goa,1,,',
      ',Empty,Goa,1,,',
      '919876540001,Asha K,Mumbai,,b2b,',
      '919876540003,"Quote ""Q""",Pune,2,,',
    ].join('\r\n');
    const res = await upload(csv, `?fileName=list.csv&mapping=${encodeURIComponent(JSON.stringify({ phone: 'Mobile', name: 'Full Name', tags: 'Tags', traits: { City: 'city', Orders: 'orders', Note: 'note' } }))}`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', fileName: 'list.csv', rowsDone: 0 });
    const done = await waitForImport(() => status(res.body.id), (s) => s.status === 'completed');
    expect(done).toMatchObject({ rowsDone: 7, rowsTotal: 7, rowsCreated: 3, rowsUpdated: 0, rowsFailed: 3, rowsDuplicate: 1, percent: 100 });

    const asha = (await api.call('GET', '/v1/public/apis/users/phone_number/9876540001')).body.data.customers[0];
    expect(asha.traits).toEqual({ name: 'Asha K', city: 'Mumbai', orders: 3, note: 'line one\nline two' });
    expect(asha.tags).toEqual(['vip', 'new', 'b2b']);
    const orders = await api.getUsers({ filters: [{ trait: 'orders', op: 'gte', val: 2 }] });
    expect(orders.body.data.total_customers).toBe(2);

    const report = await api.call('GET', `/api/v1/contacts/imports/${res.body.id}/errors`);
    expect(report.status).toBe(200);
    expect(report.headers['content-type']).toMatch(/text\/csv/);
    const lines = report.raw.trim().split('\r\n');
    expect(lines[0]).toBe('row,error,cells');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['3', '4', '5']);
    expect(lines[1]).toMatch(/^3,"fullPhoneNumber must contain digits only.*",not-a-phone,Chand,Agra,1,,$/);
    expect(lines[3]).toMatch(/^5,phone is empty/);
  });

  it('maps known headers automatically (other columns become traits), with a default country code', async () => {
    const res = await upload('phone,name,email,plan\n9876540010,Esha,esha@example.com,gold\n', `?mapping=${encodeURIComponent(JSON.stringify({ phone: 'phone', name: 'name', defaultCountryCode: '+91', traits: { email: 'email', plan: 'plan' } }))}`);
    await waitForImport(() => status(res.body.id), (s) => s.status === 'completed');
    const auto = await upload('Phone Number,Name,email,plan\n919876540011,Farah,farah@example.com,basic\n');
    await waitForImport(() => status(auto.body.id), (s) => s.status === 'completed');
    expect((await api.call('GET', '/v1/public/apis/users/phone_number/9876540010')).body.data.customers[0].traits).toEqual({ name: 'Esha', email: 'esha@example.com', plan: 'gold' });
    expect((await api.call('GET', '/v1/public/apis/users/phone_number/9876540011')).body.data.customers[0].traits).toEqual({ name: 'Farah', email: 'farah@example.com', plan: 'basic' });
  });

  it('merges into existing contacts: traits replaced per key, tags added, typed rows kept in step, in statements of every size', async () => {
    // Two contacts exist before the import (one from the track API, one from an earlier file).
    expect((await api.trackUser({ fullPhoneNumber: '919876541001', traits: { city: 'Surat', plan: 'gold' }, tags: ['old'] })).status).toBe(202);
    const first = await upload('phone,name,city,orders,tags\n919876541002,Gita,Indore,1,a\n');
    await waitForImport(() => status(first.body.id), (s) => s.status === 'completed');
    // 1,237 rows: written in statements of several sizes (512, 512, 128, 64, …); the existing
    // contacts and a duplicate sit among new ones.
    const lines = ['phone,name,city,orders,tags'];
    for (let i = 0; i < 1234; i++) lines.push(`9198765${String(50000 + i)},N${i},Nagpur,${i},new`);
    lines.push('919876541001,Hari,Kochi,7,vip', '919876541002,,Madurai,,b', '919876541001,,,8,vip;x');
    const res = await upload(lines.join('\n'));
    const done = await waitForImport(() => status(res.body.id), (s) => s.status === 'completed');
    expect(done).toMatchObject({ rowsDone: 1237, rowsCreated: 1234, rowsUpdated: 2, rowsDuplicate: 1, rowsFailed: 0 });

    const hari = (await api.call('GET', '/v1/public/apis/users/phone_number/9876541001')).body.data.customers[0];
    expect(hari.traits).toEqual({ name: 'Hari', city: 'Kochi', plan: 'gold', orders: 8 });
    expect(hari.tags).toEqual(['old', 'vip', 'x']);
    const gita = (await api.call('GET', '/v1/public/apis/users/phone_number/9876541002')).body.data.customers[0];
    expect(gita.traits).toEqual({ name: 'Gita', city: 'Madurai', orders: 1 });
    expect(gita.tags).toEqual(['a', 'b']);
    const last = (await api.call('GET', '/v1/public/apis/users/phone_number/9876551233')).body.data.customers[0];
    expect(last.traits).toEqual({ name: 'N1233', city: 'Nagpur', orders: 1233 });
    // The typed rows (what filters and segments read) agree with the contacts' traits.
    const count = async (filters: unknown[]) => (await api.getUsers({ filters })).body.data.total_customers;
    expect(await count([{ trait: 'city', op: 'eq', val: 'Kochi' }])).toBe(1);
    expect(await count([{ trait: 'city', op: 'eq', val: 'Surat' }])).toBe(0);
    expect(await count([{ trait: 'city', op: 'eq', val: 'Nagpur' }])).toBe(1234);
    expect(await count([{ trait: 'orders', op: 'eq', val: 8 }])).toBe(2); // Hari, and N8
    expect(await count([{ trait: 'orders', op: 'gte', val: 1230 }])).toBe(4);
  });

  it('refuses an empty body, a mapping naming a missing column, and a file without a phone column', async () => {
    expect((await upload('')).status).toBe(400);
    expect((await upload('a,b\n1,2\n', `?mapping=${encodeURIComponent('{oops')}`)).status).toBe(400);
    const missing = await upload('a,b\n1,2\n', `?mapping=${encodeURIComponent(JSON.stringify({ phone: 'Mobile' }))}`);
    const failed = await waitForImport(() => status(missing.body.id), (s) => s.status === 'failed');
    expect(failed.error).toMatch(/column "Mobile" is not in the header/);
    const nophone = await upload('a,b\n1,2\n');
    expect((await waitForImport(() => status(nophone.body.id), (s) => s.status === 'failed')).error).toMatch(/No phone column/);
  });

  it('fails an import whose file stops being CSV, with the parser\'s message, after the batches before it', async () => {
    // 12,000 good rows (two batches of 5,000 commit), then a quote that never closes.
    const lines = ['phone,name'];
    for (let i = 0; i < 12_000; i++) lines.push(`9198766${String(10000 + i)},Q${i}`);
    lines.push('919876699999,"never closed', '919876699998,after');
    const res = await upload(lines.join('\n'));
    const failed = await waitForImport(() => status(res.body.id), (s) => s.status === 'failed');
    expect(failed.error).toMatch(/Quote Not Closed/i);
    expect(failed).toMatchObject({ rowsDone: 10_000, rowsCreated: 10_000 });
    expect((await api.call('GET', '/v1/public/apis/users/phone_number/9876610000')).body.data.customers[0].traits).toEqual({ name: 'Q0' });
  });
});

describe('CSV import resumed after the process is killed', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samvad-import-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a kill -9 mid-import loses nothing and applies no row twice', async () => {
    const db = await freshDatabaseUrl();
    const env: Record<string, string> = { SAMVAD_API_KEY: TEST_API_SECRET, SAMVAD_JOB_LEASE_MS: "1500", ...(db.url ? { DATABASE_URL: db.url } : {}) };
    const ROWS = 60_000;
    const lines = ['phone,name,n'];
    for (let i = 0; i < ROWS; i++) lines.push(`9198${String(70000000 + i)},P${i},${i}`);
    lines.push('bad-phone,Nope,1');
    const call = (url: string, path: string, init: RequestInit = {}) => fetch(`${url}${path}`, { ...init, headers: { authorization: AUTH, ...(init.headers ?? {}) } });
    try {
      const first = await spawnSamvad(['--data-dir', dataDir], env);
      const created = await (await call(first.url, '/api/v1/contacts/imports', { method: 'POST', body: lines.join('\n'), headers: { 'content-type': 'text/csv' } })).json();
      const get = async (url: string) => (await call(url, `/api/v1/contacts/imports/${created.id}`)).json();
      const mid = await waitForImport(() => get(first.url), (s) => s.rowsDone > 0);
      first.child.kill('SIGKILL');
      await first.exited;
      expect(mid.status).toBe('running');
      expect(mid.rowsDone).toBeLessThan(ROWS);

      const second = await spawnSamvad(['--data-dir', dataDir], env);
      try {
        const done = await waitForImport(() => get(second.url), (s) => s.status === 'completed', 120_000);
        expect(done).toMatchObject({ rowsDone: ROWS + 1, rowsTotal: ROWS + 1, rowsFailed: 1 });
        expect(done.rowsCreated + done.rowsUpdated).toBe(ROWS);
        const users = await (await call(second.url, '/v1/public/apis/users/?limit=1', { method: 'POST', body: JSON.stringify({ filters: [{ trait: 'n', op: 'gte', val: 0 }] }), headers: { 'content-type': 'application/json' } })).json();
        expect(users.data.total_customers).toBe(ROWS);
        const errors = await (await call(second.url, `/api/v1/contacts/imports/${created.id}/errors`)).text();
        expect(errors.trim().split('\r\n')).toHaveLength(2);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      await db.drop();
    }
  }, 180_000);
});
