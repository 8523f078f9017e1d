import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * X-Hub-Signature-256: `sha256=<hex HMAC-SHA256(app secret, raw body bytes)>` (payloads §3.2).
 * Computed over the bytes as received (Meta sends them already \u-escaped), compared in constant time.
 */
export function verifyHubSignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  if (!header || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice(7).trim().toLowerCase(), 'utf8');
  const expected = Buffer.from(createHmac('sha256', appSecret).update(rawBody).digest('hex'), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
