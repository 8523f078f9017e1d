import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appIdOfToken, uploadTemplateHeaderSample } from '../../src/channels/whatsapp/cloud-api/templates.ts';
import { MetaApiError } from '../../src/channels/whatsapp/index.ts';
import type { NumberCredentials } from '../../src/channels/whatsapp/types.ts';

/**
 * The Resumable Upload API calls for a real number's header sample (the emulator does not
 * implement them), against a stand-in Graph server that checks what Meta's guide asks for:
 * GET /app with the bearer token, POST /{app-id}/uploads?file_name&file_length&file_type, then the
 * bytes to /upload:… with `Authorization: OAuth` and `file_offset: 0`.
 */
describe('Resumable Upload API (template header samples)', () => {
  const seen: { method: string; url: string; auth: string | undefined; offset: string | undefined; body: Buffer }[] = [];
  let base = '';
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, offset: req.headers.file_offset as string | undefined, body: Buffer.concat(chunks) });
    res.setHeader('content-type', 'application/json');
    if (req.url!.startsWith('/v21.0/app?')) return res.end(JSON.stringify({ id: '987654321' }));
    if (req.url!.startsWith('/v21.0/987654321/uploads?')) return res.end(JSON.stringify({ id: 'upload:MTphdHRhY2htZW50' }));
    if (req.url === '/v21.0/upload:MTphdHRhY2htZW50') return res.end(JSON.stringify({ h: '4::aW1hZ2UvcG5n:ARZ' }));
    res.statusCode = 400;
    res.end(JSON.stringify({ error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100, error_subcode: 2494102, fbtrace_id: 'x' } }));
  });
  const agent = new Agent();
  const creds = (): NumberCredentials => ({ id: 'n1', workspaceId: 'w1', phoneNumberId: '1', wabaId: '2', businessId: '3', graphBaseUrl: `${base}/v21.0`, accessToken: 'EAAtoken' });

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await agent.close();
    await new Promise((r) => server.close(r));
  });

  it('reads the app id, opens a session and sends the bytes; the answer is the handle', async () => {
    const bytes = Buffer.from('fake png bytes');
    const appId = await appIdOfToken(agent, creds());
    expect(appId).toBe('987654321');
    const handle = await uploadTemplateHeaderSample(agent, creds(), appId, { bytes, mimeType: 'image/png', fileName: 'banner.png' });
    expect(handle).toBe('4::aW1hZ2UvcG5n:ARZ');
    expect(seen.map((s) => [s.method, s.url, s.auth])).toEqual([
      ['GET', '/v21.0/app?fields=id', 'Bearer EAAtoken'],
      ['POST', '/v21.0/987654321/uploads?file_name=banner.png&file_length=14&file_type=image%2Fpng', 'Bearer EAAtoken'],
      ['POST', '/v21.0/upload:MTphdHRhY2htZW50', 'OAuth EAAtoken'],
    ]);
    expect(seen[2]!.offset).toBe('0');
    expect(seen[2]!.body).toEqual(bytes);
  });

  it("Meta's error comes back as MetaApiError with its code and subcode", async () => {
    const err = await uploadTemplateHeaderSample(agent, creds(), 'wrong-app', { bytes: Buffer.from('x'), mimeType: 'image/png', fileName: 'a.png' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetaApiError);
    expect((err as MetaApiError).meta).toMatchObject({ code: 100, subcode: 2494102, httpStatus: 400 });
  });
});
