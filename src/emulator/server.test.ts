import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.ts';
import { startEmulatorServer } from './index.ts';
import { frozenClock, startSink } from './test-support.ts';

describe('emulator: stand-alone server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samvad-emulator-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the README curl session and keeps its record across a restart', async () => {
    const clock = frozenClock();
    const sink = await startSink();
    let srv = await startEmulatorServer({ port: 0, dataDir: dir, clock, logger: silentLogger() });
    const j = async (method: string, url: string, body?: unknown, token?: string) => {
      const r = await fetch(url, {
        method,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: r.status, body: (await r.json()) as any };
    };
    // 1. create a number (with a callback that passes the handshake) and a user
    const num = await j('POST', `${srv.url}/emulator/numbers`, { verified_name: 'Acme Stores', callback_url: sink.url, verify_token: sink.verifyToken });
    expect(num.status).toBe(201);
    const user = await j('POST', `${srv.url}/emulator/users`, { wa_id: '919812345678', profile_name: 'Meera', behaviour: { deliveryDelayMs: 1000, readDelayMs: 60_000 } });
    expect(user.status).toBe(201);
    // 2. send a template with Graph at the root
    const sent = await j(
      'POST', `${srv.url}/v21.0/${num.body.phone_number_id}/messages`,
      { messaging_product: 'whatsapp', to: '919812345678', type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } }, num.body.access_token,
    );
    expect(sent.status).toBe(200);
    clock.advance(1000);
    await srv.emulator.drain();
    // 3. read the user's phone
    const chat = await j('GET', `${srv.url}/emulator/users/919812345678/chat`);
    expect(chat.body.messages).toHaveLength(1);
    expect(chat.body.messages[0]).toMatchObject({ from: 'business', status: 'delivered', business: expect.stringContaining('Acme Stores') });
    await srv.close();

    // A restart keeps numbers, tokens, the chat and the pending read.
    srv = await startEmulatorServer({ port: 0, dataDir: dir, clock, logger: silentLogger() });
    const again = await j('GET', `${srv.url}/emulator/users/919812345678/chat`);
    expect(again.body.messages.map((m: any) => m.id)).toEqual([sent.body.messages[0].id]);
    clock.advance(60_000);
    await srv.emulator.drain();
    expect((await j('GET', `${srv.url}/emulator/users/919812345678/chat`)).body.messages[0].status).toBe('read');
    expect(sink.statuses().filter((s) => s.id === sent.body.messages[0].id).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    const users = await j('GET', `${srv.url}/emulator/users`);
    expect(users.body.data.length).toBe(6);
    const again2 = await j(
      'POST', `${srv.url}/v21.0/${num.body.phone_number_id}/messages`,
      { messaging_product: 'whatsapp', to: '919812345678', type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } }, num.body.access_token,
    );
    expect(again2.status).toBe(200);
    await srv.close();
    await sink.close();
  });
});
