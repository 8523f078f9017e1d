import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, spawnSamvad, type SpawnedSamvad } from '../helpers/spawn-samvad.ts';
import { TEST_API_SECRET } from '../helpers/start-test-app.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const auth = `Basic ${Buffer.from(`${TEST_API_SECRET}:`).toString('base64')}`;
const N = 10_000;

async function json(res: Response): Promise<any> {
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}

/**
 * kill -9 of Samvad in the middle of a 10,000-recipient campaign, with the Cloud API emulator as
 * its own process (1,000 mps, unlimited tier): after a restart the campaign continues and
 * completes; counted against the emulator's own record of what each virtual phone received,
 * nobody received the campaign twice and nobody was forgotten (every phone received it once, or
 * its send was in flight at the kill and is counted `unknown`, never resent).
 */
// It once stalled with one message left in `sending`: the emulator kept retrying its status webhooks
// to the killed process's port. Meta (and now the emulator) posts to the callback URL configured
// at delivery time, so the restarted Samvad gets them.
describe('kill -9 of Samvad during a 10,000-recipient campaign', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samvad-campaign-kill-'));
  const emuDir = join(dir, 'emulator');
  let cleanup = async () => {};
  afterAll(async () => {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('continues after restart; each phone receives the message at most once; none is forgotten', { timeout: 600_000 }, async () => {
    const pg = await freshDatabaseUrl();
    const emu = spawn(process.execPath, ['bin/samvad.js', 'emulator', '--port', '0', '--data-dir', emuDir], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const emuExited = new Promise((r) => emu.on('exit', r));
    let samvad: SpawnedSamvad | undefined;
    cleanup = async () => {
      samvad?.child.kill('SIGKILL');
      emu.kill('SIGKILL');
      await pg.drop();
    };
    const E = await new Promise<string>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error(`emulator not ready:\n${out}`)), 120_000);
      emu.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening at (http:\/\/\S+) /.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    const num = (await json(await fetch(`${E}/emulator/numbers`))).data[0];
    await json(await fetch(`${E}/emulator/numbers/${num.phone_number_id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ throughput_mps: 1000, tier: 'TIER_UNLIMITED' }) }));

    const env: Record<string, string> = { SAMVAD_API_KEY: TEST_API_SECRET, SAMVAD_SANDBOX: 'off', SAMVAD_DEFAULT_RATE_LIMIT: '1000000', ...(pg.url ? { DATABASE_URL: pg.url } : {}) };
    samvad = await spawnSamvad(['--data-dir', dir], env);
    const S = () => samvad!.url;
    const call = async (method: string, path: string, body?: unknown) =>
      json(await fetch(`${S()}${path}`, { method, headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) }));
    await call('POST', '/api/v1/numbers', {
      phoneNumberId: num.phone_number_id,
      wabaId: num.waba_id,
      businessId: num.business_id,
      displayPhoneNumber: num.display_phone_number,
      verifiedName: num.verified_name,
      accessToken: num.access_token,
      appSecret: num.app_secret,
      verifyToken: 'kill-9-verify',
      graphBaseUrl: `${E}/v21.0`,
      throughputMps: 1000,
      messagingLimitTier: 'TIER_UNLIMITED',
      isDefault: true,
    });
    await json(await fetch(`${E}/emulator/numbers/${num.phone_number_id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ callback_url: `${S()}/webhooks/whatsapp`, verify_token: 'kill-9-verify' }) }));

    const phones = Array.from({ length: N }, (_, i) => String(918800000000 + i));
    const created = await call('POST', '/api/v1/campaigns', { name: 'crash', templateName: 'hello_world', languageCode: 'en_US', audience: { phones }, startAt: 'now' });
    const id = created.id as string;
    const progress = async () => (await call('GET', `/api/v1/campaigns/${id}`)) as { status: string; progress: { sent: number; queued: number; pending: number; unknown: number; failed: { total: number } } };

    // Kill once a fifth of the audience was sent, while the rest is queued or still pending.
    for (;;) {
      const p = await progress();
      if (p.progress.sent >= N / 5) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    samvad.child.kill('SIGKILL');
    await samvad.exited;
    const emuCount = () => {
      const d = new BetterSqlite3(join(emuDir, 'emulator.sqlite'), { readonly: true });
      try {
        return (d.prepare(`select count(*) as n from messages where direction = 'out'`).get() as { n: number }).n;
      } finally {
        d.close();
      }
    };
    const atKill = emuCount();
    expect(atKill).toBeLessThan(N);

    samvad = await spawnSamvad(['--data-dir', dir], env);
    await json(await fetch(`${E}/emulator/numbers/${num.phone_number_id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ callback_url: `${S()}/webhooks/whatsapp`, verify_token: 'kill-9-verify' }) }));
    let last = await progress();
    const deadline = Date.now() + 420_000;
    while (last.status !== 'completed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      last = await progress();
    }
    expect(last.status).toBe('completed');
    const recipients: { phone: string; messageStatus: string | null }[] = [];
    for (let after = '-1'; ; ) {
      const page = await call('GET', `/api/v1/campaigns/${id}/recipients?limit=1000&after=${after}`);
      recipients.push(...page.data);
      if (page.data.length < 1000) break;
      after = page.next;
    }
    samvad.child.kill('SIGTERM');
    await samvad.exited;
    emu.kill('SIGTERM');
    await emuExited;

    const d = new BetterSqlite3(join(emuDir, 'emulator.sqlite'), { readonly: true });
    const received = new Map<string, number>();
    for (const r of d.prepare(`select wa_id, count(*) as n from messages where direction = 'out' group by wa_id`).all() as { wa_id: string; n: number }[]) received.set(r.wa_id, r.n);
    d.close();

    expect(recipients).toHaveLength(N);
    const twice = [...received.values()].filter((n) => n > 1).length;
    const forgotten = recipients.filter((r) => (received.get(r.phone) ?? 0) === 0 && r.messageStatus !== 'unknown');
    const unknownNotReceived = recipients.filter((r) => (received.get(r.phone) ?? 0) === 0).length;
    console.log(`campaign kill -9 at ${atKill} received: ${received.size} phones received it, ${twice} twice, ${unknownNotReceived} in flight at the kill and not received (unknown, not resent); final ${JSON.stringify(last.progress)}`);
    expect(twice).toBe(0);
    expect(forgotten).toEqual([]);
    expect(received.size + unknownNotReceived).toBe(N);
    for (const phone of phones) expect(received.get(phone) ?? 0).toBeLessThanOrEqual(1);
  });
});
