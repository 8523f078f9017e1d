import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSecretBox, parseSecretKey, SecretBox } from './secret-box.ts';

const dir = mkdtempSync(join(tmpdir(), 'samvad-secret-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('secret box', () => {
  it('seals with AES-256-GCM: fresh IV each time, label bound, tampering detected', () => {
    const box = new SecretBox(Buffer.alloc(32, 7), 'env');
    const a = box.seal('token-123', 'business_numbers.access_token');
    const b = box.seal('token-123', 'business_numbers.access_token');
    expect(a).not.toBe(b);
    expect(a).not.toContain('token-123');
    expect(box.open(a, 'business_numbers.access_token')).toBe('token-123');
    expect(() => box.open(a, 'business_numbers.app_secret')).toThrow(/cannot be decrypted/);
    const [v, iv, tag, ct] = a.split('.');
    const flipped = `${v}.${iv}.${tag}.${Buffer.from(Buffer.from(ct!, 'base64url').map((x, i) => (i === 0 ? x ^ 1 : x))).toString('base64url')}`;
    expect(() => box.open(flipped, 'business_numbers.access_token')).toThrow(/cannot be decrypted/);
    expect(() => new SecretBox(Buffer.alloc(32, 8), 'env').open(a, 'business_numbers.access_token')).toThrow(/SAMVAD_SECRET_KEY/);
  });

  it('parses 64 hex characters or base64 of 32 bytes', () => {
    expect(parseSecretKey('ab'.repeat(32))).toHaveLength(32);
    expect(parseSecretKey(Buffer.alloc(32, 1).toString('base64'))).toHaveLength(32);
    expect(parseSecretKey(Buffer.alloc(32, 1).toString('base64url'))).toHaveLength(32);
    expect(parseSecretKey('short')).toBeUndefined();
  });

  it('a single process generates <dataDir>/secret.key (0600) once and reuses it', () => {
    const first = loadSecretBox({ secretKey: undefined, dataDir: dir, singleProcess: true });
    expect(first.source).toBe('file');
    const file = join(dir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = first.seal('x', 'l');
    const content = readFileSync(file, 'utf8');
    const again = loadSecretBox({ secretKey: undefined, dataDir: dir, singleProcess: true });
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(again.open(sealed, 'l')).toBe('x');
  });

  it('separate api/worker processes without SAMVAD_SECRET_KEY have no key and say which variable to set', () => {
    const box = loadSecretBox({ secretKey: undefined, dataDir: dir, singleProcess: false });
    expect(box.available).toBe(false);
    expect(() => box.seal('x', 'l')).toThrow(/SAMVAD_SECRET_KEY/);
  });
});
