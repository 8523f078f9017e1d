import type { Scenario } from '../lib/scenario.ts';
import { freePort, spawnServer } from '../lib/spawn.ts';
import { PING_BODY } from '../lib/ping-body.ts';

/** The machine's ceiling: every run measures it first and reports the others as a ratio of it. */
export default {
  name: 'ceiling-fastify',
  description: 'Bare Fastify 5 POST validating the ping schema (no auth, rate limit, logs or database): the machine ceiling',
  async setup() {
    const port = await freePort();
    const server = await spawnServer({
      label: 'ceiling-fastify',
      args: ['bin/run-ts.js', 'bench/servers/ceiling.ts', String(port)],
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    return {
      url: `http://127.0.0.1:${port}/v1/public/ping/`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: PING_BODY,
      expectStatus: 200,
      teardown: () => server.stop(),
    };
  },
} satisfies Scenario;
