import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSecretBox } from '../../src/channels/whatsapp/secret-box.ts';
import { createClock } from '../../src/platform/clock.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { runWebhooksCommand } from '../../src/webhooks/cli.ts';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'samvad-cli-webhooks-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const BIN = new URL('../../bin/samvad.js', import.meta.url).pathname;

async function samvad(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: '', SAMVAD_DATA_DIR: dataDir, LOG_LEVEL: 'warn', SAMVAD_WEBHOOKS_ALLOW_PRIVATE: '1' } });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

describe('samvad webhooks (CLI, SQLite)', () => {
  it('creates an endpoint (secret printed once, stored sealed), lists; disables, enables, shows deliveries, queues a redelivery, deletes', async () => {
    expect((await samvad('workspaces', 'create', '--name', 'Acme')).code).toBe(0);
    const created = await samvad('webhooks', 'create', '--url', 'http://127.0.0.1:9/hooks', '--secret', 'cli-secret-123', '--events', 'message_api_read,message_received');
    expect(created.code).toBe(0);
    const id = /Created webhook endpoint (\S+) for http:\/\/127\.0\.0\.1:9\/hooks/.exec(created.out)?.[1];
    expect(id).toBeDefined();
    expect(created.out).toContain('Secret (shown once; verify Interakt-Signature with it): cli-secret-123');

    // At rest the secret is sealed with the instance key (<dataDir>/secret.key), bound to this endpoint.
    const db = new Database(join(dataDir, 'samvad.db'), { readonly: true });
    const row = db.prepare('SELECT secret, secret_sealed FROM webhook_endpoints WHERE id = ?').get(id) as { secret: string; secret_sealed: number };
    db.close();
    expect(row.secret_sealed).toBe(1);
    expect(row.secret).not.toContain('cli-secret-123');
    expect(loadSecretBox({ secretKey: undefined, dataDir, singleProcess: true }).open(row.secret, `webhook_endpoints.secret/${id}`)).toBe('cli-secret-123');

    const list = await samvad('webhooks', 'list');
    expect(list.out).toMatch(new RegExp(`${id}\\s+active\\s+http://127\\.0\\.0\\.1:9/hooks\\s+message_api_read,message_received`));
    expect(list.out).not.toContain('cli-secret-123');
    const bad = await samvad('webhooks', 'redeliver', id!, '--since', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--since must be a date/time');

    // The other sub-commands, in-process on the same data (each CLI process compiles TypeScript at start).
    const config = loadConfig({ SAMVAD_DATA_DIR: dataDir, SAMVAD_WEBHOOKS_ALLOW_PRIVATE: '1', LOG_LEVEL: 'silent' });
    const database = openDatabase({ databaseUrl: undefined, dataDir, groupCommitMs: 0, logger: silentLogger() });
    try {
      const workspaceId = (await database.db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id;
      const cli = async (sub: string, arg?: string, values: Record<string, unknown> = {}) => {
        const lines: string[] = [];
        await runWebhooksCommand({ database, config, clock: createClock(), workspaceId, out: (l) => lines.push(l) }, sub, arg, values);
        return lines.join('\n');
      };
      expect(await cli('disable', id)).toBe(`Endpoint ${id} disabled`);
      expect(await cli('list')).toMatch(new RegExp(`${id}\\s+disabled`));
      expect(await cli('enable', id)).toBe(`Endpoint ${id} enabled`);
      expect(await cli('deliveries', id)).toBe('');
      expect(await cli('redeliver', id, { since: '2025-01-31T10:00:00Z' })).toContain('Queued 0 deliveries');
      await expect(cli('deliveries')).rejects.toThrow('ENDPOINT_ID is required');
      expect(await cli('delete', id)).toBe(`Endpoint ${id} deleted`);
      expect(await cli('list')).toBe('');
    } finally {
      await database.close();
    }
  }, 300_000); // four CLI processes, each compiling TypeScript at start
});
