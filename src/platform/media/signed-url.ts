import { timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring media URLs: `GET /media/<key>?exp=<unix seconds>&sig=<HMAC>`. The HMAC is over
 * `<key>\n<exp>` with a key derived from the instance's secret key, compared in constant time;
 * expiry reads the process clock (movable in tests).
 */
export interface MediaUrlSigner {
  /** Absolute URL valid for `ttlMs` from `nowMs`. */
  url(baseUrl: string, key: string, nowMs: number, ttlMs?: number): string;
  verify(key: string, exp: string | undefined, sig: string | undefined, nowMs: number): 'ok' | 'expired' | 'bad_signature';
}

export const DEFAULT_MEDIA_URL_TTL_MS = 3_600_000;

export function createMediaUrlSigner(sign: (data: string) => string): MediaUrlSigner {
  return {
    url(baseUrl, key, nowMs, ttlMs = DEFAULT_MEDIA_URL_TTL_MS) {
      const exp = String(Math.floor((nowMs + ttlMs) / 1000));
      return `${baseUrl.replace(/\/+$/, '')}/media/${key}?exp=${exp}&sig=${sign(`${key}\n${exp}`)}`;
    },
    verify(key, exp, sig, nowMs) {
      if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return 'bad_signature';
      const expected = Buffer.from(sign(`${key}\n${exp}`));
      const given = Buffer.from(sig);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad_signature';
      if (Number(exp) * 1000 <= nowMs) return 'expired';
      return 'ok';
    },
  };
}
