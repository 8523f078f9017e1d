import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../../emulator/test-support.ts';
import { silentLogger } from '../../../platform/logger.ts';
import type { NumberCredentials } from '../types.ts';
import { createWhatsAppChannel, MetaApiError } from './channel.ts';

let h: Harness;
let channel: ReturnType<typeof createWhatsAppChannel>;
let creds: NumberCredentials;

beforeAll(async () => {
  h = await startHarness();
  channel = createWhatsAppChannel({ clock: h.clock, logger: silentLogger(), timeouts: { connectMs: 1_000, headersMs: 500, bodyMs: 500 } });
  creds = {
    id: 'num_1',
    workspaceId: 'ws_1',
    phoneNumberId: h.number.phone_number_id,
    wabaId: h.number.waba_id,
    businessId: h.number.business_id,
    graphBaseUrl: h.graph,
    accessToken: h.number.access_token,
  };
});
afterAll(async () => {
  await channel.close();
  await h.close();
});

const hello = { type: 'template' as const, template: { name: 'hello_world', language: { code: 'en_US' } } };

/** A tiny HTTP server whose behaviour each test sets: it records the raw body it read. */
async function fakeGraph(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<{ url: string; bodies: Buffer[]; close(): Promise<void> }> {
  const bodies: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(body);
      handler(req, res, body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v21.0`,
    bodies,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const metaError = (code: number, title: string, details = 'details') => JSON.stringify({ error: { message: `(#${code}) ${title}`, type: 'OAuthException', code, error_data: { messaging_product: 'whatsapp', details }, fbtrace_id: 'AbC' } });

describe('Cloud API adapter against the emulator', () => {
  it('sends a template and keeps the wamid (accepted)', async () => {
    const out = await channel.send(creds, { messageId: 'msg_1', to: '919800000002', content: hello });
    expect(out.kind).toBe('accepted');
    if (out.kind === 'accepted') expect(out.wamid).toMatch(/^wamid\./);
  });

  it('classifies an unknown template as terminal with code, title and details (132001)', async () => {
    const out = await channel.send(creds, { messageId: 'msg_2', to: '919800000002', content: { type: 'template', template: { name: 'nope', language: { code: 'en_US' } } } });
    expect(out.kind).toBe('terminal');
    if (out.kind === 'terminal') {
      expect(out.error.code).toBe(132001);
      expect(out.error.title).toBe('Template does not exist');
      expect(out.error.httpStatus).toBe(404);
      expect(out.error.details).toBeTruthy();
    }
  });

  it('classifies a bad token as account-level (190)', async () => {
    const out = await channel.send({ ...creds, accessToken: 'not-a-token' }, { messageId: 'msg_3', to: '919800000002', content: hello });
    expect(out).toMatchObject({ kind: 'account', error: { code: 190 } });
  });

  it('classifies an unregistered number as account-level (133010)', async () => {
    await h.control('PATCH', `/numbers/${h.number.phone_number_id}`, { registered: false });
    try {
      const out = await channel.send(creds, { messageId: 'msg_4', to: '919800000002', content: hello });
      expect(out).toMatchObject({ kind: 'account', error: { code: 133010 } });
    } finally {
      await h.control('PATCH', `/numbers/${h.number.phone_number_id}`, { registered: true });
    }
  });

  it('classifies the pair rate limit as retryable (131056)', async () => {
    let last;
    for (let i = 0; i < 60; i++) {
      last = await channel.send(creds, { messageId: `pair_${i}`, to: '919811111111', content: { type: 'text', text: { body: `hi ${i}` } } });
      if (last.kind !== 'accepted') break;
    }
    expect(last).toMatchObject({ kind: 'retryable', error: { code: 131056 } });
  });

  it('reads the phone number, lists templates, uploads and downloads media', async () => {
    const info = await channel.getPhoneNumber(creds);
    expect(info).toMatchObject({ id: h.number.phone_number_id, verifiedName: 'Samvad Sandbox', qualityRating: 'GREEN', messagingLimitTier: 'TIER_250' });
    const templates = await channel.listTemplates(creds);
    expect(templates.find((t) => t.name === 'hello_world')).toMatchObject({ language: 'en_US', status: 'APPROVED' });
    const png = readFileSync(new URL('../../../emulator/samples/sample.png', import.meta.url));
    const { id } = await channel.uploadMedia(creds, { bytes: png, mimeType: 'image/png', fileName: 'a.png' });
    const got = await channel.downloadMedia(creds, id);
    expect(got.mimeType).toBe('image/png');
    expect(Buffer.compare(got.bytes, png)).toBe(0);
  });

  it('management calls throw MetaApiError with Meta\'s code', async () => {
    await expect(channel.getPhoneNumber({ ...creds, accessToken: 'bad-token-x' })).rejects.toSatisfy((e) => e instanceof MetaApiError && e.meta.code === 190);
  });
});

describe('Cloud API adapter: wire mapping and transport failures (local fake server)', () => {
  it('sends the envelope with recipient_type, context and biz_opaque_callback_data', async () => {
    const f = await fakeGraph((_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messaging_product: 'whatsapp', contacts: [{ input: '91', wa_id: '91' }], messages: [{ id: 'wamid.X' }] })));
    try {
      const out = await channel.send({ ...creds, graphBaseUrl: f.url }, { messageId: 'msg_ctx', to: '919800000001', content: { type: 'text', text: { body: 'hi' } }, replyToWamid: 'wamid.PREV' });
      expect(out).toEqual({ kind: 'accepted', wamid: 'wamid.X' });
      expect(JSON.parse(f.bodies[0]!.toString())).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '919800000001',
        type: 'text',
        text: { body: 'hi' },
        context: { message_id: 'wamid.PREV' },
        biz_opaque_callback_data: 'msg_ctx',
      });
    } finally {
      await f.close();
    }
  });

  it.each([
    [429, 130429, 'Rate limit hit', 'retryable'],
    [500, 131000, 'Something went wrong', 'retryable'],
    [503, 131016, 'Service unavailable', 'retryable'],
    [500, 131057, 'Account in maintenance mode', 'retryable'],
    [403, 131031, 'Account has been locked', 'account'],
    [403, 368, 'Temporarily blocked for policies violations', 'account'],
    [400, 131042, 'Business eligibility payment issue', 'account'],
    [401, 0, 'AuthException', 'account'],
    [403, 10, 'Permission Denied', 'account'],
    [400, 131009, 'Parameter value is not valid', 'terminal'],
    [400, 131051, 'Unsupported message type', 'terminal'],
  ] as const)('HTTP %i with code %i is %s', async (status, code, title, kind) => {
    const f = await fakeGraph((_q, res) => res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '2' }).end(metaError(code, title)));
    try {
      const out = await channel.send({ ...creds, graphBaseUrl: f.url }, { messageId: 'm', to: '919800000001', content: hello });
      expect(out.kind).toBe(kind);
      if (out.kind !== 'accepted') expect(out.error).toMatchObject({ code, title, details: 'details', httpStatus: status, fbtraceId: 'AbC' });
      if (out.kind === 'retryable') expect(out.retryAfterMs).toBe(2000);
    } finally {
      await f.close();
    }
  });

  it('a 502 from a proxy (no Graph body) is retryable', async () => {
    const f = await fakeGraph((_q, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>'));
    try {
      const out = await channel.send({ ...creds, graphBaseUrl: f.url }, { messageId: 'm', to: '919800000001', content: hello });
      expect(out).toMatchObject({ kind: 'retryable', error: { httpStatus: 502 } });
    } finally {
      await f.close();
    }
  });

  it('connection refused (before the body was written) is retryable', async () => {
    const f = await fakeGraph(() => {});
    await f.close(); // the port is now closed
    const out = await channel.send({ ...creds, graphBaseUrl: f.url }, { messageId: 'm', to: '919800000001', content: hello });
    expect(out).toMatchObject({ kind: 'retryable', error: { code: -1 } });
    if (out.kind === 'retryable') expect(out.error.details).toMatch(/ECONNREFUSED/);
  });

  it('a DNS failure (before the body was written) is retryable', async () => {
    const out = await channel.send({ ...creds, graphBaseUrl: 'http://graph.samvad-test.invalid/v21.0' }, { messageId: 'm', to: '919800000001', content: hello });
    expect(out.kind).toBe('retryable');
  });

  it('a timeout after the body was written is an unknown outcome', async () => {
    const f = await fakeGraph(() => {}); // reads the body, never answers
    try {
      const out = await channel.send({ ...creds, graphBaseUrl: f.url }, { messageId: 'm_timeout', to: '919800000001', content: hello });
      expect(out.kind).toBe('unknown');
      expect(f.bodies).toHaveLength(1);
    } finally {
      await f.close();
    }
  });

  it('a connection reset after the body was written is an unknown outcome', async () => {
    const f = await fakeGraph((req) => req.socket.destroy());
    try {
      const out = await channel.send({ ...creds, graphBaseUrl: f.url }, { messageId: 'm_reset', to: '919800000001', content: hello });
      expect(out.kind).toBe('unknown');
      expect(JSON.parse(f.bodies[0]!.toString()).biz_opaque_callback_data).toBe('m_reset');
    } finally {
      await f.close();
    }
  });
  it('an answer whose body breaks off: a success is an unknown outcome, a refusal stays a refusal', async () => {
    const cut = (status: number) => (_q: unknown, res: import('node:http').ServerResponse) => {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': '500', 'retry-after': '3' });
      res.write('{"messages":[{"id":"wamid.');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    for (const [status, kind] of [[200, 'unknown'], [429, 'retryable']] as const) {
      const f = await fakeGraph(cut(status));
      try {
        const out = await channel.send({ ...creds, graphBaseUrl: f.url }, { messageId: 'm_cut', to: '919800000001', content: hello });
        expect(out.kind).toBe(kind);
        if (out.kind === 'retryable') expect(out.retryAfterMs).toBe(3000);
      } finally {
        await f.close();
      }
    }
  });
});
