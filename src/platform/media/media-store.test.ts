import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalMediaStore, isMediaKey } from './media-store.ts';
import { createMediaUrlSigner } from './signed-url.ts';
import { createHmac } from 'node:crypto';

const root = mkdtempSync(join(tmpdir(), 'samvad-media-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const DAY = 86_400_000;

describe('local media store', () => {
  it('puts, gets, deletes; keys cannot walk out of the folder', async () => {
    const store = createLocalMediaStore(root);
    const key = await store.put('ws-1', Buffer.from('hello'), 'text/plain', Date.UTC(2026, 0, 10));
    expect(isMediaKey(key)).toBe(true);
    expect(key.startsWith('ws-1/20260110/')).toBe(true);
    expect(await store.get(key)).toEqual({ bytes: Buffer.from('hello'), mimeType: 'text/plain' });
    expect(await store.get('../../etc/passwd')).toBeUndefined();
    expect(await store.get('ws-1/20260110/..%2F..')).toBeUndefined();
    await store.delete(key);
    expect(await store.get(key)).toBeUndefined();
  });

  it('prunes whole days older than the cutoff (retention)', async () => {
    const store = createLocalMediaStore(root);
    const now = Date.UTC(2026, 2, 1);
    const old = await store.put('ws-2', Buffer.from('old'), 'image/png', now - 40 * DAY);
    const recent = await store.put('ws-2', Buffer.from('new'), 'image/png', now - 2 * DAY);
    expect(await store.pruneBefore(now - 30 * DAY)).toBe(1);
    expect(await store.get(old)).toBeUndefined();
    expect(await store.get(recent)).toBeDefined();
  });

  it('signed URLs: valid until exp, refused when tampered or expired', () => {
    const signer = createMediaUrlSigner((d) => createHmac('sha256', 'k').update(d).digest('base64url'));
    const url = new URL(signer.url('http://x', 'ws-1/20260110/abcdefghijklmnop', 1_000_000, 60_000));
    const exp = url.searchParams.get('exp')!;
    const sig = url.searchParams.get('sig')!;
    expect(signer.verify('ws-1/20260110/abcdefghijklmnop', exp, sig, 1_000_000)).toBe('ok');
    expect(signer.verify('ws-1/20260110/abcdefghijklmnoq', exp, sig, 1_000_000)).toBe('bad_signature');
    expect(signer.verify('ws-1/20260110/abcdefghijklmnop', String(Number(exp) + 1), sig, 1_000_000)).toBe('bad_signature');
    expect(signer.verify('ws-1/20260110/abcdefghijklmnop', exp, sig, 1_000_000 + 61_000)).toBe('expired');
    expect(signer.verify('ws-1/20260110/abcdefghijklmnop', undefined, sig, 0)).toBe('bad_signature');
  });
});
