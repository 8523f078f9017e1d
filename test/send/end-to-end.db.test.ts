import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';

/**
 * The README's first minute, end to end over real HTTP: a brand's system sends Meta's hello_world
 * template through the Interakt-compatible API; the dispatcher sends it to the in-process Cloud
 * API emulator; the virtual customer's phone shows it; the signed status webhooks come back and
 * move the message to read; the customer's reply opens the service window, so a session message
 * to them is accepted afterwards.
 */
describe('sending hello_world to a virtual customer', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.destroy();
  });

  const send = (body: Record<string, unknown>) =>
    fetch(`${app.url}/v1/public/message/`, { method: 'POST', headers: { authorization: app.auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const message = async (id: string) => (await (await fetch(`${app.url}/api/v1/messages/${id}`, { headers: { authorization: app.auth } })).json()) as { status: string; wamid: string | null };

  it('is delivered and read on the phone, tracked to read, and the reply opens the window', async () => {
    const asha = '919800000001';
    // Before Asha has written, a session message is refused with Interakt's message.
    const early = await send({ fullPhoneNumber: asha, type: 'Text', data: { message: 'hi' } });
    expect(early.status).toBe(400);

    const res = await send({ countryCode: '+91', phoneNumber: '9800000001', callbackData: 'order-42', type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { result: boolean; message: string; id: string };
    expect(created).toMatchObject({ result: true, message: 'Message created successfully' });

    // The virtual customer's phone shows the template, and Samvad follows it to read.
    await expect
      .poll(async () => {
        const chat = (await (await fetch(`${app.url}/emulator/users/${asha}/chat`)).json()) as { messages: { from: string; type: string; status: string }[] };
        return chat.messages.find((m) => m.from === 'business' && m.type === 'template')?.status;
      }, { timeout: 20_000, interval: 200 })
      .toBe('read');
    await expect.poll(async () => (await message(created.id)).status, { timeout: 20_000, interval: 200 }).toBe('read');
    expect((await message(created.id)).wamid).toMatch(/^wamid\./);

    // Asha replies at once (her scripted behaviour); the inbound message opens the 24-hour window.
    await expect
      .poll(async () => {
        const convs = (await (await fetch(`${app.url}/api/v1/conversations`, { headers: { authorization: app.auth } })).json()) as { data: { windowOpen: boolean }[] };
        return convs.data.some((c) => c.windowOpen);
      }, { timeout: 20_000, interval: 200 })
      .toBe(true);
    const session = await send({ fullPhoneNumber: asha, type: 'Text', data: { message: 'Thanks for your reply!' } });
    expect(session.status).toBe(201);
    expect(await session.json()).toMatchObject({ result: true, message: 'Message queued for sending via Interakt. Check webhook for delivery status' });
  });
});
