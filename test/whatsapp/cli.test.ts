import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'samvad-cli-numbers-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const BIN = new URL('../../bin/samvad.js', import.meta.url).pathname;

async function samvad(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: '', SAMVAD_DATA_DIR: dataDir, LOG_LEVEL: 'warn' } });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

describe('samvad numbers (CLI, SQLite)', () => {
  it('adds, lists, tests and removes a number without printing its secrets', async () => {
    expect((await samvad('workspaces', 'create', '--name', 'Acme')).code).toBe(0);
    const add = await samvad('numbers', 'add', '--phone-number-id', '111222', '--waba-id', '333', '--display-phone-number', '+91 98765 43210',
      '--access-token', 'tok_secret_123456', '--app-secret', 'appsecret_123456', '--graph-base-url', 'http://127.0.0.1:9/v21.0');
    expect(add.code).toBe(0);
    expect(add.out).toMatch(/Connected number \S+ \(\+91 98765 43210, phone number id 111222\) as the default/);
    expect(add.out).toMatch(/Verify token \(shown once\): vt_/);
    const list = await samvad('numbers', 'list');
    expect(list.out).toContain('111222');
    const id = list.out.split(/\s+/)[0]!;
    const test = await samvad('numbers', 'test', id);
    expect(test.code).toBe(1); // nothing listens on port 9
    expect(test.out).toMatch(/FAILED\s+token_and_number/);
    const all = add.out + list.out + test.out + test.err;
    expect(all).not.toContain('tok_secret_123456');
    expect(all).not.toContain('appsecret_123456');
    expect((await samvad('numbers', 'remove', id)).out).toContain(`Removed number ${id}`);
    expect((await samvad('numbers', 'list')).out).toMatch(/No numbers connected yet/);
    expect((await samvad('numbers', 'add', '--waba-id', '1')).code).toBe(2);
  }, 300_000); // seven CLI processes, each compiling TypeScript at start (4 s each on a quiet machine, far more under load)
});
