import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { openSqlite } from './sqlite.ts';

describe('a transaction started inside another (SQLite group commit)', () => {
  it('is refused in strict mode instead of deadlocking the batch it would wait for', async () => {
    expect(process.env.SAMVAD_STRICT_TRANSACTIONS).toBe('1');
    const d = openSqlite({ path: ':memory:', logger: silentLogger(), groupCommitMs: 0 });
    await sql`create table t (v integer)`.execute(d.db);
    await expect(d.transaction(async () => d.transaction(async () => 1))).rejects.toThrow(/inside another transaction/);
    // Outside a transaction, and after one, it works.
    await expect(d.transaction(async () => 2)).resolves.toBe(2);
    await d.close();
  });
});
