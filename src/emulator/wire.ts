/**
 * Meta's wire encoding and ids (reference: cloud-api-payloads.md §3.2, §4.3).
 */
import { createHmac, randomInt } from 'node:crypto';

/**
 * Serialises a webhook body as Meta does: every non-ASCII UTF-16 code unit escaped as `\uHHHH` (four hex digits)
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

let wamidSeq = randomInt(0, 0x10000);
let wamidLastMs = 0;

/**
 * A WhatsApp message id shaped like Meta's: `wamid.` + base64 of a small binary record (≤128 chars)
 * ending in 18 uppercase hex digits. Those digits are the time in milliseconds (6 bytes), a
 * per-process sequence (2 bytes) and a random byte: unique, and ids made close in time sort close
 * together, so the store's index on message ids is written at its tail rather than at random pages.
 */
export function wamid(waId: string): string {
  const digits = waId.replace(/\D/g, '').slice(0, 20);
  const head = Buffer.from([0x1c, 0x18, digits.length]);
  const ms = Math.max(Date.now(), wamidLastMs);
  wamidSeq = (wamidSeq + 1) & 0xffff;
  // 65,536 ids within one millisecond: borrow the next millisecond rather than repeat an id.
  wamidLastMs = wamidSeq === 0 ? ms + 1 : ms;
  const hex = ms.toString(16).padStart(12, '0') + wamidSeq.toString(16).padStart(4, '0') + randomInt(0, 256).toString(16).padStart(2, '0');
  const tail = Buffer.concat([Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, 0x12]), Buffer.from(hex.toUpperCase()), Buffer.from([0x00])]);
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
