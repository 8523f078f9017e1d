import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamContactIdsByTag, streamSegmentContactIds } from '../../src/contacts/index.ts';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { caller } from './helpers.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('segments (/api/v1/segments)', () => {
  let app: TestApp;
  let api: ReturnType<typeof caller>;
  const ids: Record<string, string> = {};
  let now: number;
  beforeAll(async () => {
    app = await startTestApp();
    api = caller(app);
    now = app.context.clock.nowMs();
    const iso = (ms: number) => new Date(ms).toISOString();
    // a: 3 orders in the last 30 days, Pune, gold.  b: 1 recent order + 1 old, Pune.  c: cart, no order (2 h ago).
    // d: cart then order 10 min later.  e: cart 20 min ago (window not over).  f: nothing, tagged.
    const people: [string, Record<string, unknown>, string[]][] = [
      ['a', { city: 'Pune', plan: 'gold', spend: 900 }, ['vip']],
      ['b', { city: 'Pune', plan: 'basic', spend: 100 }, []],
      ['c', { city: 'Delhi', plan: 'basic', spend: 0 }, ['vip']],
      ['d', { city: 'Delhi', plan: 'gold', spend: 300 }, []],
      ['e', { city: 'Mumbai' }, []],
      ['f', {}, ['vip']],
    ];
    for (const [i, [key, traits, tags]] of people.entries()) {
      const res = await api.trackUser({ fullPhoneNumber: `91987652000${i}`, traits, tags });
      ids[key] = /Customer with (\S+) /.exec(res.body.message)![1]!;
    }
    const ev = async (key: string, event: string, at: number) => expect((await api.trackEvent({ fullPhoneNumber: `91987652000${Object.keys(ids).indexOf(key)}`, event, createdAt: iso(at) })).status).toBe(201);
    for (const d of [1, 5, 20]) await ev('a', 'Order Placed', now - d * DAY);
    await ev('b', 'Order Placed', now - 2 * DAY);
    await ev('b', 'Order Placed', now - 60 * DAY);
    await ev('c', 'Product Added To Cart', now - 2 * HOUR);
    await ev('d', 'Product Added To Cart', now - 3 * HOUR);
    await ev('d', 'Order Placed', now - 3 * HOUR + 10 * 60_000);
    await ev('e', 'Product Added To Cart', now - 20 * 60_000);
  });
  afterAll(async () => {
    await app?.destroy();
  });

  const members = async (definition: unknown) => {
    const created = await api.call('POST', '/api/v1/segments', { name: `s-${Math.random()}`, definition });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const count = await api.call('GET', `/api/v1/segments/${created.body.id}/count`);
    const list = await api.call('GET', `/api/v1/segments/${created.body.id}/members`);
    expect(list.headers['content-type']).toMatch(/text\/csv/);
    const got = list.raw.trim().split('\r\n').slice(1).map((line) => line.split(',')[0]!);
    const names = Object.entries(ids).filter(([, id]) => got.includes(id)).map(([k]) => k).sort();
    expect(count.body.count).toBe(names.length);
    return names;
  };

  it('matches trait conditions', async () => {
    expect(await members({ match: 'all', conditions: [{ type: 'trait', trait: 'city', op: 'eq', val: 'Pune' }] })).toEqual(['a', 'b']);
    expect(await members({ match: 'all', conditions: [{ type: 'trait', trait: 'spend', op: 'gte', val: 300 }, { type: 'trait', trait: 'plan', op: 'eq', val: 'gold' }] })).toEqual(['a', 'd']);
    expect(await members({ match: 'any', conditions: [{ type: 'trait', trait: 'city', op: 'eq', val: 'Mumbai' }, { type: 'trait', trait: 'spend', op: 'lt', val: 50 }] })).toEqual(['c', 'e']);
  });

  it('matches tags', async () => {
    expect(await members({ conditions: [{ type: 'tag', tag: 'vip' }] })).toEqual(['a', 'c', 'f']);
    expect(await members({ conditions: [{ type: 'tag', tag: 'vip', op: 'not_has' }] })).toEqual(['b', 'd', 'e']);
  });

  it('matches "did X at least N times in the last D days", at most, and did not', async () => {
    expect(await members({ conditions: [{ type: 'event', event: 'Order Placed', op: 'at_least', count: 2, withinDays: 30 }] })).toEqual(['a']);
    expect(await members({ conditions: [{ type: 'event', event: 'Order Placed', count: 2 }] })).toEqual(['a', 'b']);
    expect(await members({ conditions: [{ type: 'event', event: 'Order Placed', withinDays: 3 }] })).toEqual(['a', 'b', 'd']);
    expect(await members({ conditions: [{ type: 'event', event: 'Order Placed', op: 'at_most', count: 1 }] })).toEqual(['c', 'd', 'e', 'f']);
    expect(await members({ conditions: [{ type: 'event', event: 'Order Placed', op: 'did_not', withinDays: 30 }] })).toEqual(['c', 'e', 'f']);
  });

  it('matches "did X but not Y within T" once T has passed', async () => {
    expect(await members({ conditions: [{ type: 'event_not_followed', event: 'Product Added To Cart', notFollowedBy: 'Order Placed', withinMs: HOUR }] })).toEqual(['c']);
  });

  it('combines traits, tags and events', async () => {
    expect(
      await members({ match: 'all', conditions: [{ type: 'trait', trait: 'city', op: 'in', val: ['Pune', 'Delhi'] }, { type: 'tag', tag: 'vip' }, { type: 'event', event: 'Order Placed', withinDays: 30 }] }),
    ).toEqual(['a']);
  });

  it('counts mixes of sets, negations and contact columns as its member list has them (compound count form and its fallback)', async () => {
    expect(await members({ match: 'all', conditions: [{ type: 'tag', tag: 'vip' }, { type: 'event', event: 'Order Placed', op: 'did_not', withinDays: 30 }] })).toEqual(['c', 'f']);
    // a has three orders and b two: each counted once.
    expect(await members({ conditions: [{ type: 'event', event: 'Order Placed' }] })).toEqual(['a', 'b', 'd']);
    expect(await members({ match: 'any', conditions: [{ type: 'event', event: 'Order Placed' }] })).toEqual(['a', 'b', 'd']);
    // No condition lists each contact once (events): the count starts from a distinct set.
    expect(await members({ match: 'all', conditions: [{ type: 'event', event: 'Order Placed' }, { type: 'event', event: 'Product Added To Cart' }] })).toEqual(['d']);
    expect(
      await members({
        match: 'all',
        conditions: [
          { type: 'trait', trait: 'city', op: 'exists' },
          { type: 'tag', tag: 'vip', op: 'not_has' },
          { type: 'trait', trait: 'phone_number', op: 'ne', val: '9876520001' },
        ],
      }),
    ).toEqual(['d', 'e']);
    expect(await members({ match: 'all', conditions: [{ type: 'event', event: 'Order Placed', op: 'at_least', count: 2 }, { type: 'trait', trait: 'plan', op: 'ne', val: 'gold' }] })).toEqual(['b']);
    expect(await members({ match: 'any', conditions: [{ type: 'tag', tag: 'vip' }, { type: 'event', event: 'Order Placed', op: 'did_not' }] })).toEqual(['a', 'c', 'e', 'f']);
    expect(await members({ match: 'any', conditions: [{ type: 'trait', trait: 'plan', op: 'eq', val: 'gold' }, { type: 'event', event: 'Product Added To Cart' }] })).toEqual(['a', 'c', 'd', 'e']);
  });

  it('leaves an erased contact out of counts and members, though its events stay', async () => {
    const res = await api.trackUser({ fullPhoneNumber: '919876529999', traits: { city: 'Pune' } });
    const gone = /Customer with (\S+) /.exec(res.body.message)![1]!;
    expect((await api.trackEvent({ fullPhoneNumber: '919876529999', event: 'Order Placed', createdAt: new Date(now - DAY).toISOString() })).status).toBe(201);
    const definitions = [
      { conditions: [{ type: 'event', event: 'Order Placed', withinDays: 30 }] },
      { match: 'all', conditions: [{ type: 'event', event: 'Order Placed', withinDays: 30 }, { type: 'tag', tag: 'vip', op: 'not_has' }] },
      { match: 'any', conditions: [{ type: 'event', event: 'Order Placed', withinDays: 30 }, { type: 'trait', trait: 'city', op: 'eq', val: 'Pune' }] },
    ];
    const count = async (definition: unknown) => (await api.call('POST', '/api/v1/segments/preview', { definition })).body.count as number;
    const before = await Promise.all(definitions.map(count));
    expect((await api.call('DELETE', `/api/v1/contacts/${gone}`)).status).toBe(200);
    expect(await Promise.all(definitions.map(count))).toEqual(before.map((n) => n - 1));
    // The members the count is checked against (members() compares them) no longer list it either.
    expect(await members(definitions[0])).toEqual(['a', 'b', 'd']);
  });

  it('streams members and tag members in batches (contract 2)', async () => {
    const created = await api.call('POST', '/api/v1/segments', { name: 'everyone-with-city', definition: { conditions: [{ type: 'trait', trait: 'city', op: 'exists' }] } });
    const batches: string[][] = [];
    for await (const b of streamSegmentContactIds(app.context.database, created.body.workspaceId ?? (await wsId(app)), created.body.id, 2)) batches.push(b);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(batches.flat().sort()).toEqual([ids.a, ids.b, ids.c, ids.d, ids.e].sort());
    const tagged: string[] = [];
    for await (const b of streamContactIdsByTag(app.context.database, await wsId(app), 'vip', 2)) tagged.push(...b);
    expect(tagged.sort()).toEqual([ids.a, ids.c, ids.f].sort());
  });

  it('previews, renames, refuses bad definitions and duplicate names, deletes', async () => {
    expect((await api.call('POST', '/api/v1/segments/preview', { definition: { conditions: [{ type: 'tag', tag: 'vip' }] } })).body).toEqual({ count: 3 });
    const s = await api.call('POST', '/api/v1/segments', { name: 'dup', definition: { conditions: [{ type: 'tag', tag: 'vip' }] } });
    expect((await api.call('POST', '/api/v1/segments', { name: 'dup', definition: { conditions: [{ type: 'tag', tag: 'vip' }] } })).status).toBe(409);
    for (const definition of [
      { conditions: [] },
      { conditions: [{ type: 'trait', trait: 'x', op: 'like', val: 1 }] },
      { conditions: [{ type: 'event', event: 'X', count: 0 }] },
      { conditions: [{ type: 'event_not_followed', event: 'X', notFollowedBy: 'Y' }] },
      { conditions: [{ type: 'planet' }] },
    ]) {
      const res = await api.call('POST', '/api/v1/segments', { name: 'bad', definition });
      expect(res.status, JSON.stringify(definition)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await api.call('PATCH', `/api/v1/segments/${s.body.id}`, { name: 'renamed' })).body.name).toBe('renamed');
    expect((await api.call('DELETE', `/api/v1/segments/${s.body.id}`)).status).toBe(204);
    expect((await api.call('GET', `/api/v1/segments/${s.body.id}`)).status).toBe(404);
  });
});

async function wsId(app: TestApp): Promise<string> {
  return (await app.context.database.db.selectFrom('workspaces').select('id').orderBy('created_at').executeTakeFirstOrThrow()).id;
}
