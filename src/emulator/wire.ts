/**
 * Meta's wire encoding and ids (reference: cloud-api-payloads.md §3.2, §4.3).
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';

/**
 * Serialises a webhook body as Meta does: every non-ASCII UTF-16 code unit escaped as `\uXXXX`
 * with lowercase hex (emoji become surrogate pairs), and `/` escaped as `\/`. These are the exact
 * bytes that are signed and sent, so a receiver hashing the raw body gets the same signature.
 */
export function metaJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
    .replace(/\//g, '\\/');
}

export function signSha256(secret: string, body: string | Buffer): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

export function signSha1(secret: string, body: string | Buffer): string {
  return 'sha1=' + createHmac('sha1', secret).update(body).digest('hex');
}

/** A numeric-string Graph id (15 digits, below 2^53 so it survives JSON numbers, e.g. template ids in webhooks). */
export function numericId(): string {
  let s = String(randomInt(1, 10));
  for (let i = 0; i < 14; i++) s += String(randomInt(0, 10));
  return s;
}

/** A WhatsApp message id shaped like Meta's: `wamid.` + base64 of a small binary record (≤128 chars). */
export function wamid(waId: string): string {
  const digits = waId.replace(/\D/g, '').slice(0, 20);
  const head = Buffer.from([0x1c, 0x18, digits.length]);
  const tail = Buffer.concat([Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, 0x12]), Buffer.from(randomBytes(9).toString('hex').toUpperCase()), Buffer.from([0x00])]);
  return 'wamid.' + Buffer.concat([head, Buffer.from(digits), tail]).toString('base64');
}

/** Digits of a phone number as Meta's `wa_id` (strips +, spaces, dashes, parentheses). */
export function normalisePhone(input: string): string | null {
  if (!/^[+\d\s\-().]+$/.test(input)) return null;
  const digits = input.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return null;
  return digits;
}

export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}
