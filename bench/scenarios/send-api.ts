import { randomBytes } from 'node:crypto';
import type { RequestSetup } from '../lib/load.ts';
import type { Scenario } from '../lib/scenario.ts';
import { BENCH_AUTH, startBenchSamvad } from '../lib/samvad.ts';

/**
 * The send API's acceptance path: `POST /v1/public/message/` with the sandbox's hello_world
 * template, each request to a distinct new phone number (so every send creates a contact and a
 * conversation) with a unique Idempotency-Key (so every send stores one too). Everything a 201
 * means is measured: auth, rate-limit check, phone parsing, idempotency lookup, cached number and
 * template, and one group-committed transaction of five rows (idempotency key, contact, message,
 * conversation, dispatch job) before the answer. Issue 4's target: ≥10,000 accepted sends/s with
 * p99 < 25 ms at 100 connections on SQLite. Run with `--connections 100`.
 */
export default {
  name: 'send-api',
  description: 'Samvad POST /v1/public/message/: template sends to distinct new numbers with unique Idempotency-Keys (SQLite)',
  async setup() {
    const samvad = await startBenchSamvad(process.env.SEND_BENCH_ENV ? (JSON.parse(process.env.SEND_BENCH_ENV) as Record<string, string>) : {});
    const run = randomBytes(4).toString('hex');
    let n = 0;
    // Indian mobile numbers 91 7xxxxxxxxx; the counter makes each one new.
    const base = 7_000_000_000 + Math.floor(Math.random() * 1_000) * 1_000_000;
    const setupRequest: RequestSetup = (req) => {
      n++;
      return {
        ...req,
        headers: { ...req.headers, 'idempotency-key': `bench-${run}-${n}` },
        body: `{"fullPhoneNumber":"91${base + n}","callbackData":"bench-${n}","type":"Template","template":{"name":"hello_world","languageCode":"en_US"}}`,
      };
    };
    return {
      url: `${samvad.url}/v1/public/message/`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: BENCH_AUTH },
      body: '{}',
      setupRequest,
      expectStatus: 201,
      teardown: () => samvad.stop(),
    };
  },
} satisfies Scenario & { setup(): Promise<unknown> };
