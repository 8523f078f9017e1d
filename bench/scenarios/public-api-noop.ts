import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from '../lib/scenario.ts';
import { freePort, spawnServer } from '../lib/spawn.ts';
import { PING_BODY } from '../lib/ping-body.ts';

const API_KEY = 'bench-api-key-6f1c2a9e4b7d40c8a3e5f9b2d1c6a8e7';

/**
 * The real Samvad (`samvad start`, SQLite on a temporary data dir) answering the authenticated,
 * rate-limit-checked no-op `POST /v1/public/ping/`. The rate limit is set so high it is consulted
 * on every request but never trips: the figure is the cost of the request path, not of a 429.
 */
export default {
  name: 'public-api-noop',
  description: 'Samvad POST /v1/public/ping/: API-key auth + rate-limit check + schema validation, no storage',
  async setup() {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'samvad-bench-'));
    let server;
    try {
      server = await spawnServer({
        label: 'samvad',
        args: ['bin/samvad.js', 'start', '--port', String(port), '--data-dir', dataDir],
        env: {
          SAMVAD_API_KEY: API_KEY,
          SAMVAD_DEFAULT_RATE_LIMIT: '100000000',
          LOG_LEVEL: 'warn',
        },
        readyUrl: `http://127.0.0.1:${port}/readyz`,
      });
    } catch (err) {
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
    const running = server;
    return {
      url: `http://127.0.0.1:${port}/v1/public/ping/`,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Basic ' + Buffer.from(API_KEY + ':').toString('base64'),
      },
      body: PING_BODY,
      expectStatus: 200,
      async teardown() {
        await running.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
} satisfies Scenario;
