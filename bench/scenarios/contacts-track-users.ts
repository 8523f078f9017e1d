import type { RequestSetup } from '../lib/load.ts';
import type { Scenario } from '../lib/scenario.ts';
import { BENCH_AUTH } from '../lib/samvad.ts';
import { startContactsSamvad } from '../contacts/samvad-server.ts';

/**
 * Issue 6: POST /v1/public/track/users/ durable (group-committed) per request; target 5,000/s.
 * Each request names a phone from a pool of 200,000 (new contacts first, then updates), with
 * three traits.
 */
export default {
  name: 'contacts-track-users',
  description: 'Samvad POST /v1/public/track/users/ (SQLite, durable before the answer)',
  async setup() {
    const samvad = await startContactsSamvad();
    let n = 0;
    const base = 7_100_000_000 + Math.floor(Math.random() * 1_000) * 1_000_000;
    const setupRequest: RequestSetup = (req) => {
      n++;
      const phone = `91${base + (n % 200_000)}`;
      return {
        ...req,
        body: `{"fullPhoneNumber":"${phone}","traits":{"city":"Pune","orders":${n % 50},"last_seen":"2026-01-01T00:00:00Z"},"tags":["bench"]}`,
      };
    };
    return {
      url: `${samvad.url}/v1/public/track/users/`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: BENCH_AUTH },
      body: '{}',
      setupRequest,
      expectStatus: 202,
      teardown: () => samvad.stop(),
    };
  },
} satisfies Scenario & { setup(): Promise<unknown> };
