import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Scenario } from '../lib/scenario.ts';
import { freePort, spawnServer, type SpawnedServer } from '../lib/spawn.ts';

const RECIPIENT = '919700000001';

/**
 * The Cloud API emulator stand-alone (`samvad emulator`), accepting `POST /v21.0/{id}/messages`
 * text sends from a keep-alive client with throughput, pair-rate and tier limits lifted, while
 * it emits sent/delivered/read webhooks (signed, batched) to a local sink in another process.
 * This is the ceiling against which Samvad's own send path is measured.
 */
export default {
  name: 'emulator-send',
  description: 'Cloud API emulator: POST /{phone-number-id}/messages (text, window open), limits lifted, signed status webhooks to a local sink',
  async setup() {
    const sinkPort = await freePort();
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'samvad-bench-emulator-'));
    const started: SpawnedServer[] = [];
    try {
      started.push(
        await spawnServer({
          label: 'webhook sink',
          args: ['bin/run-ts.js', 'src/emulator/bench-server.ts', 'sink', String(sinkPort)],
          readyUrl: `http://127.0.0.1:${sinkPort}/readyz`,
        }),
      );
      started.push(
        await spawnServer({
          label: 'emulator',
          args: ['bin/run-ts.js', 'src/emulator/bench-server.ts', 'emulator', String(port), dataDir, `http://127.0.0.1:${sinkPort}/webhook`],
          env: { LOG_LEVEL: 'warn' },
          readyUrl: `http://127.0.0.1:${port}/emulator/clock`,
        }),
      );
      let number: { phone_number_id: string; access_token: string; callback_url: string | null } | undefined;
      for (let i = 0; i < 200 && !number?.callback_url; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/emulator/numbers`);
        number = ((await res.json()) as { data: Array<typeof number> }).data[0];
        if (!number?.callback_url) await sleep(25);
      }
      if (!number?.callback_url) throw new Error('the emulator did not configure its webhook callback');
      return {
        url: `http://127.0.0.1:${port}/v21.0/${number.phone_number_id}/messages`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${number.access_token}` },
        body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: RECIPIENT, type: 'text', text: { body: 'Your order #1001 has shipped and will arrive on Friday.' } }),
        expectStatus: 200,
        async teardown() {
          for (const s of started.reverse()) await s.stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      for (const s of started.reverse()) await s.stop();
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
  },
} satisfies Scenario;
