import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Headers of one delivery attempt. `Interakt-Signature` is exactly Interakt's (reference §8.2:
 * `sha256=` + hex HMAC-SHA256 of the raw body, keyed with the endpoint's secret), so existing
 * receivers verify unchanged. Samvad adds a stable event id and a timestamped signature over
 * `<timestamp>.<body>` so a receiver can also reject replays (as Stripe and Standard Webhooks do).
 */
export function signDelivery(secret: string, body: string, eventId: string, timestampSec: number): Record<string, string> {
  const ts = String(timestampSec);
  return {
    'content-type': 'application/json',
    'user-agent': 'Samvad-Webhooks/1.0',
    'interakt-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    'x-samvad-event-id': eventId,
    'x-samvad-timestamp': ts,
    'x-samvad-signature': `v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`,
  };
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Interakt's check, as a receiver writes it. */
export function verifyInteraktSignature(secret: string, rawBody: string | Buffer, header: string | undefined): boolean {
  return equal(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`, header ?? '');
}

/** Samvad's replay-safe check: the signature over `timestamp.body`, and the timestamp within `toleranceSec` of now. */
export function verifySamvadSignature(secret: string, rawBody: string | Buffer, timestamp: string | undefined, header: string | undefined, nowSec: number, toleranceSec = 300): boolean {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || Math.abs(nowSec - Number(timestamp)) > toleranceSec) return false;
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return equal(`v1=${mac}`, header ?? '');
}
