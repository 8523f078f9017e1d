import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Time-ordered ids (UUIDv7 layout): sortable by creation, unique across processes, and
 * index-friendly on both SQLite and PostgreSQL (stored as text).
 */
export function newId(nowMs: number = Date.now()): string {
  const r = takeRandom(10);
  const p = pool;
  // 48-bit millisecond timestamp, version 7, 12 random bits, variant 10, 62 random bits. Written as
  // ASCII into one scratch buffer and read out as one string: formatting each part with
  // toString(16) and padStart made ten strings an id (0.9 µs against 0.2 µs).
  const hi = Math.floor(nowMs / 0x10000);
  const lo = nowMs % 0x10000;
  hexByte(hi >>> 24, 0);
  hexByte((hi >>> 16) & 0xff, 2);
  hexByte((hi >>> 8) & 0xff, 4);
  hexByte(hi & 0xff, 6);
  hexByte(lo >>> 8, 9);
  hexByte(lo & 0xff, 11);
  hexByte(0x70 | (p[r]! & 0x0f), 14);
  hexByte(p[r + 1]!, 16);
  hexByte(0x80 | (p[r + 2]! & 0x3f), 19);
  hexByte(p[r + 3]!, 21);
  for (let i = 4; i < 10; i++) hexByte(p[r + i]!, 24 + (i - 4) * 2);
  return idChars.toString('latin1', 0, 36);
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** The id being written; the dashes stay where they are. */
const idChars = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');

function hexByte(b: number, at: number): void {
  idChars[at] = HEX_DIGITS[b >> 4]!;
  idChars[at + 1] = HEX_DIGITS[b & 0x0f]!;
}

/**
 * `n` ids of one moment, ascending (ids of one millisecond differ only in random bits). Rows
 * written in this order append to every index that ends in the id, instead of writing at random
 * places of its last pages: on the CSV import SQLite's writes per contact took about 30 % less time.
 */
export function newIdsAscending(n: number, nowMs: number = Date.now()): string[] {
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = newId(nowMs);
  return ids.sort();
}

// One randomBytes call per 4 KiB instead of one per id (it was 6% of a send's CPU in profiles).
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

/** Where `n` fresh random bytes start in `pool` (read them before the next call). */
function takeRandom(n: number): number {
  if (poolOffset + n > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += n;
  return at;
}

/** A random secret of `bytes` bytes, URL-safe base64. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export { randomUUID };
