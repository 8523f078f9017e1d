import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './test-support.ts';

const HOUR = 3_600_000;
const user = (i: number) => `9177${String(i).padStart(8, '0')}`;

describe('emulator: limits', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('the 81st message in a second on an 80-mps number gets 130429, and the bucket refills', async () => {
    h = await startHarness({ tunables: { limits: { throughput: true, pairRate: false, managementCalls: true, messagingTier: false } } });
    const e = h.emulator.engine;
    const waba = e.authenticate(`Bearer ${h.number.access_token}`);
    const tpl = { messaging_product: 'whatsapp', type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };
    for (let i = 0; i < 79; i++) e.send(waba, h.number.phone_number_id, { ...tpl, to: user(i) }, 21);
    const r80 = await h.send({ ...tpl, to: user(79) });
    expect(r80.status).toBe(200);
    const r81 = await h.send({ ...tpl, to: user(80) });
    expect(r81.status).toBe(429);
    expect(r81.body.error).toMatchObject({ code: 130429, message: '(#130429) Rate limit hit', error_data: { details: 'Cloud API message throughput has been reached.' } });
    h.clock.advance(1000);
    expect((await h.send({ ...tpl, to: user(81) })).status).toBe(200);
  });

  it('counts inbound messages against throughput', async () => {
    h = await startHarness({ tunables: { limits: { throughput: true, pairRate: false, managementCalls: true, messagingTier: false } } });
    for (let i = 0; i < 80; i++) h.emulator.userSends(user(i), { type: 'text', text: `hi ${i}`, phone_number_id: h.number.phone_number_id });
    const r = await h.send({ to: user(1), type: 'text', text: { body: 'reply' } });
    expect(r.body.error.code).toBe(130429);
  });

  it('a 1000-mps number takes 1000 in a second; 20 mps takes 20', async () => {
    h = await startHarness({ tunables: { limits: { throughput: true, pairRate: false, managementCalls: true, messagingTier: false } } });
    const e = h.emulator.engine;
    const waba = e.authenticate(`Bearer ${h.number.access_token}`);
    const tpl = { messaging_product: 'whatsapp', type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };
    const up = await h.control('PATCH', `/numbers/${h.number.phone_number_id}`, { throughput_mps: 1000 });
    expect(up.body.throughput_mps).toBe(1000);
    const burst = (n: number) => {
      let ok = 0;
      for (let i = 0; i < n; i++) {
        try {
          e.send(waba, h.number.phone_number_id, { ...tpl, to: user(i) }, 21);
          ok++;
        } catch (err) {
          expect((err as { code: number }).code).toBe(130429);
        }
      }
      return ok;
    };
    expect(burst(1001)).toBe(1000);
    const g = await h.graphCall('GET', `/${h.number.phone_number_id}?fields=throughput`);
    expect(g.body.throughput).toEqual({ level: 'HIGH' });
    await h.control('PATCH', `/numbers/${h.number.phone_number_id}`, { throughput_mps: 20 });
    h.clock.advance(1000);
    expect(burst(25)).toBe(20);
    await h.emulator.drain();
    expect(h.sink.changes('phone_number_quality_update').some((v) => v.event === 'THROUGHPUT_UPGRADE')).toBe(true);
  });

  it('pair rate: a burst of 45 to one user passes, the 46th gets 131056, then one per 6 s', async () => {
    h = await startHarness({ tunables: { limits: { throughput: false, pairRate: true, managementCalls: true, messagingTier: false } } });
    const tpl = { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };
    for (let i = 0; i < 45; i++) expect((await h.send({ ...tpl, to: user(1) })).status).toBe(200);
    const r = await h.send({ ...tpl, to: user(1) });
    expect(r.status).toBe(429);
    expect(r.body.error.code).toBe(131056);
    expect((await h.send({ ...tpl, to: user(2) })).status).toBe(200);
    h.clock.advance(6000);
    expect((await h.send({ ...tpl, to: user(1) })).status).toBe(200);
    expect((await h.send({ ...tpl, to: user(1) })).body.error.code).toBe(131056);
  });

  it('management calls over the hourly limit get 80007', async () => {
    h = await startHarness({ tunables: { managementCallsPerHour: 3 } });
    for (let i = 0; i < 3; i++) expect((await h.graphCall('GET', `/${h.number.waba_id}/message_templates`)).status).toBe(200);
    const r = await h.graphCall('GET', `/${h.number.waba_id}/message_templates`);
    expect(r.body.error.code).toBe(80007);
    expect(r.status).toBe(429);
    h.clock.advance(HOUR + 1);
    expect((await h.graphCall('GET', `/${h.number.waba_id}/message_templates`)).status).toBe(200);
  });

  it('the throttling HTTP status is configurable (400)', async () => {
    h = await startHarness({ tunables: { throttleHttpStatus: 400, managementCallsPerHour: 0 } });
    const r = await h.graphCall('GET', `/${h.number.waba_id}/message_templates`);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(80007);
  });

  it('portfolio messaging limit: 250 unique users outside a window per moving 24 h', async () => {
    h = await startHarness({ tunables: { limits: { throughput: false, pairRate: false, managementCalls: true, messagingTier: true } } });
    const e = h.emulator.engine;
    const waba = e.authenticate(`Bearer ${h.number.access_token}`);
    const tpl = { messaging_product: 'whatsapp', type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };
    const ids: string[] = [];
    for (let i = 0; i < 251; i++) ids.push(String((e.send(waba, h.number.phone_number_id, { ...tpl, to: user(i) }, 21).messages as Array<{ id: string }>)[0]!.id));
    // A repeat to a user already counted, and a user inside a window, do not count.
    const repeat = String((e.send(waba, h.number.phone_number_id, { ...tpl, to: user(5) }, 21).messages as Array<{ id: string }>)[0]!.id);
    h.emulator.userSends(user(900), { type: 'text', text: 'hi', phone_number_id: h.number.phone_number_id });
    const inWindow = String((e.send(waba, h.number.phone_number_id, { ...tpl, to: user(900) }, 21).messages as Array<{ id: string }>)[0]!.id);
    await h.emulator.drain();
    const failedIds = new Set(h.sink.statuses().filter((s) => s.status === 'failed').map((s) => s.id));
    expect(failedIds.has(ids[249]!)).toBe(false);
    expect(failedIds.has(ids[250]!)).toBe(true);
    expect(h.sink.statuses().find((s) => s.id === ids[250])!.errors[0].code).toBe(131048);
    expect(failedIds.has(repeat)).toBe(false);
    expect(failedIds.has(inWindow)).toBe(false);
    // The moving window frees the budget after 24 hours.
    h.clock.advance(24 * HOUR + 1);
    const later = String((e.send(waba, h.number.phone_number_id, { ...tpl, to: user(300) }, 21).messages as Array<{ id: string }>)[0]!.id);
    await h.emulator.drain();
    expect(h.sink.statuses().some((s) => s.id === later && s.status === 'failed')).toBe(false);
  });

  it('scales the portfolio up one level once half the limit was used, after the upgrade delay', async () => {
    h = await startHarness({ tunables: { limits: { throughput: false, pairRate: false, managementCalls: true, messagingTier: true } } });
    await h.control('PATCH', `/numbers/${h.number.phone_number_id}`, { tier: 'TIER_2K' });
    const e = h.emulator.engine;
    const waba = e.authenticate(`Bearer ${h.number.access_token}`);
    const tpl = { messaging_product: 'whatsapp', type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };
    for (let i = 0; i < 1000; i++) e.send(waba, h.number.phone_number_id, { ...tpl, to: user(i) }, 21);
    await h.advance(5 * HOUR);
    expect(e.businessOfNumber(e.number(h.number.phone_number_id)!).tier).toBe('TIER_2K');
    await h.advance(HOUR);
    expect(e.businessOfNumber(e.number(h.number.phone_number_id)!).tier).toBe('TIER_10K');
    const upd = h.sink.changes('phone_number_quality_update').filter((v) => v.event === 'UPGRADE');
    expect(upd.at(-1)).toMatchObject({ display_phone_number: '919000000001', old_limit: 'TIER_2K', max_daily_conversations_per_business: 'TIER_10K' });
    expect(h.sink.changes('business_capability_update').at(-1)).toEqual({ max_daily_conversations_per_business: 'TIER_10K' });
    const g = await h.graphCall('GET', `/${h.number.phone_number_id}?fields=whatsapp_business_manager_messaging_limit`);
    expect(g.body.whatsapp_business_manager_messaging_limit).toBe('TIER_10K');
  });
});
