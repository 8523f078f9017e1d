import type { Scenario } from '../lib/scenario.ts';
import { BENCH_AUTH, startBenchSamvad } from '../lib/samvad.ts';
import { PING_BODY } from '../lib/ping-body.ts';

/**
 * The real Samvad (`samvad start`, SQLite on a temporary data dir) answering the authenticated,
 * rate-limit-checked no-op `POST /v1/public/ping/`. The rate limit is set so high it is consulted
 * on every request but never trips: the figure is the cost of the request path, not of a 429.
 */
export default {
  name: 'public-api-noop',
  description: 'Samvad POST /v1/public/ping/: API-key auth + rate-limit check + schema validation, no storage',
  async setup() {
    const samvad = await startBenchSamvad();
    return {
      url: `${samvad.url}/v1/public/ping/`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: BENCH_AUTH },
      body: PING_BODY,
      expectStatus: 200,
      teardown: () => samvad.stop(),
    };
  },
} satisfies Scenario;
