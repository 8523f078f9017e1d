import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../platform/errors.ts';

/**
 * Secrets at rest (access tokens, app secrets, verify tokens) are sealed with AES-256-GCM under a
 * key derived from the instance's secret key; media URLs are signed with another derived key.
 *
 * Where the key comes from (see `loadSecretKey`):
 * - `SAMVAD_SECRET_KEY` (32 bytes as 64 hex characters or base64) when set — required for a
 *   scaled-out cluster, where every process must hold the same key;
 * - otherwise, for a single process (role `all`, SQLite or PostgreSQL), `<dataDir>/secret.key`,
 *   generated at first start with mode 0600;
 * - otherwise (role api/worker without the variable) there is no key: the process refuses to start
 *   when numbers exist, and adding a number fails with a message naming the variable.
 * We chose not to keep a generated key in `instance_settings`: a key stored beside the rows it
 * protects would not protect a database dump.
 */
export class SecretBox {
  private readonly sealKey: Buffer | null;
  private readonly signKey: Buffer | null;
  /** Where the key came from, for the start log (never the key). */
  readonly source: 'env' | 'file' | 'none';

  constructor(key: Buffer | null, source: 'env' | 'file' | 'none') {
    this.source = key ? source : 'none';
    this.sealKey = key ? Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'samvad:secrets:v1', 32)) : null;
    this.signKey = key ? Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'samvad:media-url:v1', 32)) : null;
  }

  get available(): boolean {
    return this.sealKey !== null;
  }

  /** Encrypts `plain`; `label` (e.g. 'business_numbers.access_token') is bound as associated data. */
  seal(plain: string, label: string): string {
    const key = this.need(this.sealKey);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(label));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${ct.toString('base64url')}`;
  }

  open(sealed: string, label: string): string {
    const key = this.need(this.sealKey);
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || iv === undefined || tag === undefined || ct === undefined) throw new AppError('internal', `A stored secret (${label}) is not in a known format`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(label));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new AppError('internal', `A stored secret (${label}) cannot be decrypted: was SAMVAD_SECRET_KEY (or <dataDir>/secret.key) changed?`);
    }
  }

  /** HMAC-SHA256 (base64url) with the signing key (media URLs). */
  sign(data: string): string {
    return createHmac('sha256', this.need(this.signKey)).update(data).digest('base64url');
  }

  private need(key: Buffer | null): Buffer {
    if (!key) {
      throw new AppError(
        'unavailable',
        'No secret key: set SAMVAD_SECRET_KEY (32 bytes, 64 hex characters or base64) on every Samvad process so business-number secrets can be stored and read',
      );
    }
    return key;
  }
}

/** Parses SAMVAD_SECRET_KEY: 64 hex characters or base64(url) of 32 bytes. Undefined when malformed. */
export function parseSecretKey(raw: string): Buffer | undefined {
  const s = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(s)) {
    const b = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === 32) return b;
  }
  return undefined;
}

export const SECRET_KEY_FILE = 'secret.key';

/**
 * The instance's key: the configured one, else (single process) `<dataDir>/secret.key`, created
 * with mode 0600 at first start. Returns a SecretBox without a key for api/worker roles without one.
 */
export function loadSecretBox(options: { secretKey: string | undefined; dataDir: string; singleProcess: boolean }): SecretBox {
  if (options.secretKey) {
    const key = parseSecretKey(options.secretKey);
    if (!key) throw new Error('SAMVAD_SECRET_KEY: must be 32 bytes as 64 hex characters or base64');
    return new SecretBox(key, 'env');
  }
  if (!options.singleProcess) return new SecretBox(null, 'none');
  const file = join(options.dataDir, SECRET_KEY_FILE);
  if (existsSync(file)) {
    const key = parseSecretKey(readFileSync(file, 'utf8'));
    if (!key) throw new Error(`${file}: not a 32-byte key (64 hex characters); restore it or set SAMVAD_SECRET_KEY`);
    return new SecretBox(key, 'file');
  }
  mkdirSync(options.dataDir, { recursive: true });
  const key = randomBytes(32);
  // 'wx': never overwrite a key another process just wrote.
  try {
    writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadSecretBox(options);
    throw err;
  }
  chmodSync(file, 0o600);
  return new SecretBox(key, 'file');
}
