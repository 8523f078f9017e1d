import type { RequestSetup } from '../lib/load.ts';
import type { Scenario } from '../lib/scenario.ts';
import { BENCH_AUTH } from '../lib/samvad.ts';
import { startContactsSamvad } from '../contacts/samvad-server.ts';

/**
 * Issue 6: POST /v1/public/track/events/ durable (group-committed) per request; target 5,000/s.
 * Each request names a phone from a pool of 200,000 (new contacts first, then updates), with
 * three traits as event properties.
 */
export default {
  name: 'contacts-track-events',
  description: 'Samvad POST /v1/public/track/events/ (SQLite, durable before the answer)',
  async setup() {
    const samvad = await startContactsSamvad();
    let n = 0;
    const base = 7_100_000_000 + Math.floor(Math.random() * 1_000) * 1_000_000;
    const setupRequest: RequestSetup = (req) => {
      n++;
      const phone = `91${base + (n % 200_000)}`;
      return {
        ...req,
        body: `{"fullPhoneNumber":"${phone}","event":"Order Placed","traits":{"total":${n % 5000},"currency":"INR","items":2}}`,
      };
    };
    return {
      url: `${samvad.url}/v1/public/track/events/`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: BENCH_AUTH },
      body: '{}',
      setupRequest,
      expectStatus: 201,
      teardown: () => samvad.stop(),
    };
  },
} satisfies Scenario & { setup(): Promise<unknown> };
