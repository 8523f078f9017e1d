import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.ts';
import { TEST_ADMIN_TOKEN, TEST_API_SECRET } from '../helpers/start-test-app.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'samvad-sandbox-restart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const start = () =>
  startApp({ port: 0, dataDir, banner: false, env: { LOG_LEVEL: 'silent', SAMVAD_API_KEY: TEST_API_SECRET, SAMVAD_ADMIN_TOKEN: TEST_ADMIN_TOKEN } });

describe('sandbox number across restarts (SQLite, same data dir, new port)', () => {
  it('keeps one number and points its Graph URL and the emulator callback at the new address', async () => {
    const first = await start();
    const a = await first.context.database.db.selectFrom('business_numbers').selectAll().execute();
    await first.close();
    expect(a).toHaveLength(1);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);

    const second = await start();
    try {
      expect(second.url).not.toBe(first.url);
      const b = await second.context.database.db.selectFrom('business_numbers').selectAll().execute();
      expect(b).toHaveLength(1);
      expect(b[0]!.id).toBe(a[0]!.id);
      expect(b[0]!.graph_base_url).toBe(`${second.url}/graph/v21.0`);
      expect(second.emulator!.defaultNumber()!.callback_url).toBe(`${second.url}/webhooks/whatsapp`);
      // The same key file still opens the stored secrets.
      expect(second.context.whatsapp.secrets.open(b[0]!.access_token_enc, 'business_numbers.access_token')).toBe(second.emulator!.defaultNumber()!.access_token);
    } finally {
      await second.close();
    }
  });
});
