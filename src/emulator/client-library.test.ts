/**
 * "Done when": a widely used public Cloud API client library, whatsapp-api-js (npm), pointed at
 * the emulator, sends text, media by link, reply buttons, a list and a template and gets
 * Meta-shaped answers; the signed status webhooks are verified with the library's own
 * implementation of Meta's algorithm.
 *
 * The library has no base-URL option: it calls `https://graph.facebook.com/{v}/...` through its
 * documented `ponyfill.fetch` hook, which here swaps the origin for the emulator's Graph base.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppAPI } from 'whatsapp-api-js';
import { ActionButtons, ActionList, Body, Button, Image, Interactive, ListSection, Row, Template, Text } from 'whatsapp-api-js/messages';
import { startHarness, type Harness } from './test-support.ts';

const ASHA = '919800000001';

describe('emulator: whatsapp-api-js against the emulator', () => {
  let h: Harness;
  let api: WhatsAppAPI;
  beforeAll(async () => {
    h = await startHarness({ graphPrefix: '/graph' });
    const graphBase = `${h.url}/graph`;
    api = new WhatsAppAPI({
      token: h.number.access_token,
      appSecret: h.number.app_secret,
      webhookVerifyToken: 'unused',
      v: 'v21.0',
      ponyfill: {
        fetch: ((input: string | URL | Request, init?: RequestInit) =>
          fetch(String(input).replace('https://graph.facebook.com', graphBase), init)) as typeof fetch,
      },
    });
    h.emulator.userSends(ASHA, { type: 'text', text: 'Hi!' });
    await h.emulator.drain();
  });
  afterAll(async () => h.close());

  it('sends text, media by link, buttons, a list and a template and gets Meta-shaped answers', async () => {
    const pn = h.number.phone_number_id;
    const responses = [
      await api.sendMessage(pn, ASHA, new Text('Hello from whatsapp-api-js')),
      await api.sendMessage(pn, ASHA, new Image(`${h.url}/emulator/samples/sample.png`, false, 'A sample')),
      await api.sendMessage(pn, ASHA, new Interactive(new ActionButtons(new Button('yes', 'Yes'), new Button('no', 'No')), new Body('Confirm your order?'))),
      await api.sendMessage(
        pn, ASHA,
        new Interactive(new ActionList('Options', new ListSection('Shipping', new Row('fast', 'Express', '1 day'), new Row('slow', 'Ground'))), new Body('Pick shipping')),
      ),
      await api.sendMessage(pn, ASHA, new Template('hello_world', 'en_US'), undefined, 'samvad-123'),
    ];
    for (const r of responses) {
      expect(r, JSON.stringify(r)).toMatchObject({ messaging_product: 'whatsapp', contacts: [{ input: ASHA, wa_id: ASHA }], messages: [{ id: expect.stringMatching(/^wamid\./) }] });
    }
    expect((responses[4] as any).messages[0].message_status).toBe('accepted');

    await h.emulator.drain();
    await h.advance(2000);
    const posts = h.sink.requests.filter((q) => q.method === 'POST');
    const statuses: Array<{ id: string; status: string; biz?: string }> = [];
    api.on.status = ({ id, status, biz_opaque_callback_data }) => {
      statuses.push({ id, status, biz: biz_opaque_callback_data });
    };
    for (const p of posts) {
      const raw = p.raw.toString('utf8');
      const sig = String(p.headers['x-hub-signature-256']);
      expect(await api.verifyRequestSignature(raw, sig)).toBe(true);
      expect(await api.verifyRequestSignature(raw.replace('whatsapp', 'whatsApp'), sig)).toBe(false);
      // The library's webhook entry point verifies the signature itself, then parses.
      await api.post(p.json, raw, sig);
    }
    const ids = responses.map((r: any) => r.messages[0].id as string);
    const seen = new Set(h.sink.statuses().filter((s) => s.status === 'sent').map((s) => s.id));
    for (const id of ids) expect(seen.has(id)).toBe(true);
    expect(statuses.length).toBeGreaterThan(0);
    expect(h.sink.statuses().find((s) => s.id === ids[4] && s.status === 'sent')!.biz_opaque_callback_data).toBe('samvad-123');
  });

  it('surfaces Meta error envelopes to the library', async () => {
    const r = (await api.sendMessage(h.number.phone_number_id, ASHA, new Template('missing_template', 'en_US'))) as any;
    expect(r.error).toMatchObject({ code: 132001, type: 'OAuthException', message: '(#132001) Template does not exist' });
  });
});
