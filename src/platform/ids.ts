import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Time-ordered ids (UUIDv7 layout): sortable by creation, unique across processes, and
 * index-friendly on both SQLite and PostgreSQL (stored as text).
 */
export function newId(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  const ts = BigInt(nowMs);
  bytes[0] = Number((ts >> 40n) & 0xffn);
  bytes[1] = Number((ts >> 32n) & 0xffn);
  bytes[2] = Number((ts >> 24n) & 0xffn);
  bytes[3] = Number((ts >> 16n) & 0xffn);
  bytes[4] = Number((ts >> 8n) & 0xffn);
  bytes[5] = Number(ts & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A random secret of `bytes` bytes, URL-safe base64. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export { randomUUID };
