import { isIP } from 'node:net';
import { Pool } from 'undici';
import { isPrivateAddress, safeLookup } from '../url-safety.ts';

/** What one attempt came to. */
export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

/** The most of a response body read (for the log); the rest is dropped with the connection. */
export const RESPONSE_CAP_BYTES = 4096;

export interface PosterOptions {
  timeoutMs: number;
  connections: number;
  allowPrivate: boolean;
}

/**
 * Posts to one endpoint over a keep-alive undici Pool. Guards so that no receiver can stall
 * others: a hard deadline per attempt (headers and body), at most RESPONSE_CAP_BYTES of the answer
 * read (a 50 MB body or a response that never ends costs one connection, which is then
 * destroyed), and private addresses refused at connect time unless allowed.
 */
export class EndpointPoster {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly literalPrivate: boolean;

  constructor(
    readonly url: string,
    private readonly options: PosterOptions,
  ) {
    const u = new URL(url);
    this.path = `${u.pathname}${u.search}`;
    const host = u.hostname.replace(/^\[|\]$/g, '');
    this.literalPrivate = !options.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host);
    this.pool = new Pool(u.origin, {
      connections: options.connections,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 30_000,
      ...(options.allowPrivate ? {} : { connect: { lookup: safeLookup as never } }),
    });
  }

  async post(body: string, headers: Record<string, string>): Promise<AttemptResult> {
    if (this.literalPrivate) return { ok: false, statusCode: null, error: 'refused: the endpoint is a private or loopback address' };
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let res;
    try {
      res = await this.pool.request({ path: this.path, method: 'POST', headers, body, signal });
    } catch (err) {
      return { ok: false, statusCode: null, error: describe(err) };
    }
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    // Read a little of the answer for the log; a 2xx needs none of it, so give it only a moment.
    const snippet = await readCapped(res.body, ok ? 1000 : this.options.timeoutMs);
    return { ok, statusCode: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}${snippet ? `: ${snippet}` : ''}` };
  }

  close(): Promise<void> {
    return this.pool.destroy().catch(() => {});
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }, withinMs: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  const reading = (async () => {
    try {
      for await (const chunk of body) {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= RESPONSE_CAP_BYTES) return;
      }
      ended = true;
    } catch {
      // a broken body does not change the status we got
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([reading, new Promise<void>((r) => (timer = setTimeout(r, withinMs)))]);
  clearTimeout(timer);
  // Not finished within the cap or the time: drop the connection rather than wait.
  if (!ended) body.destroy();
  return Buffer.concat(chunks).subarray(0, 300).toString('utf8').replace(/\s+/g, ' ').trim();
}

function describe(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT') return 'timeout: no answer in time';
  const code = e.cause?.code ?? e.code;
  const msg = e.cause?.message ?? e.message ?? String(err);
  return code ? `${code}: ${msg}` : msg;
}
