import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, spawnSamvad } from '../helpers/spawn-samvad.ts';
import { TEST_API_SECRET } from '../helpers/start-test-app.ts';

const auth = `Basic ${Buffer.from(`${TEST_API_SECRET}:`).toString('base64')}`;

describe('a server killed with SIGKILL during a burst of writes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samvad-kill-'));
  let dropDatabase = async () => {};
  afterAll(async () => {
    await dropDatabase();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every write it answered with success', async () => {
    const db = await freshDatabaseUrl();
    dropDatabase = db.drop;
    const env: Record<string, string> = { SAMVAD_API_KEY: TEST_API_SECRET, ...(db.url ? { DATABASE_URL: db.url } : {}) };
    const first = await spawnSamvad(['--data-dir', dataDir], env);

    // Twenty clients create API keys (each a durable write) as fast as they can; the server is
    // killed once 300 have been answered, while the others are in flight.
    const answered: string[] = [];
    let killed = false;
    const client = async () => {
      while (!killed) {
        try {
          const res = await fetch(`${first.url}/api/v1/api-keys`, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/json' },
            body: JSON.stringify({ name: `burst-${answered.length}` }),
          });
          if (res.status !== 201) throw new Error(`unexpected ${res.status}: ${await res.text()}`);
          const body = (await res.json()) as { id: string };
          answered.push(body.id);
          if (answered.length >= 300 && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } catch (err) {
          if (!killed) throw err;
          return; // connection reset by the kill: that request was never answered
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, client));
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(answered.length).toBeGreaterThanOrEqual(300);

    const second = await spawnSamvad(['--data-dir', dataDir], env);
    try {
      const res = await fetch(`${second.url}/api/v1/api-keys`, { headers: { authorization: auth } });
      expect(res.status).toBe(200);
      const stored = new Set(((await res.json()) as { data: { id: string }[] }).data.map((k) => k.id));
      const lost = answered.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
    } finally {
      second.child.kill('SIGTERM');
      const exit = await second.exited;
      // Graceful shutdown on SIGTERM exits cleanly.
      expect(exit.code).toBe(0);
    }
    // Two cold starts of a real server and a few hundred durable writes: generous on a busy machine.
  }, 120_000);
});
