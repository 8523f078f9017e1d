import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations.ts';
import { migrateToLatest } from './migrate.ts';
import { dialectOf, insertFlat, insertRows, statementSizes } from './bulk-insert.ts';
import { listShape, precompiled, precompiledInsert, precompiledWithList } from './precompiled.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

describe('precompiled queries', () => {
  let tdb: TestDatabase;
  beforeEach(async () => {
    tdb = await createTestDatabase();
    await migrateToLatest(tdb.database, migrations);
  });
  afterEach(() => tdb.cleanup());

  it('binds each call’s values in the compiled order, keeps the builder’s constants, and runs inside transactions', async () => {
    const insert = precompiledInsert('rate_cards', ['id', 'market', 'category', 'currency', 'amount_micros', 'effective_from']);
    const bump = precompiled<{ id: string; amount: number }>((db, a) =>
      db.updateTable('rate_cards').set({ amount_micros: a('amount') }).where('id', '=', a('id')).where('currency', '=', 'USD'),
    );
    await tdb.database.transaction(async (tx) => {
      await insert(tx.db, { id: 'r1', market: 'ZZ', category: 'marketing', currency: 'USD', amount_micros: 10, effective_from: 1 });
      await insert(tx.db, { id: 'r2', market: 'ZZ', category: 'utility', currency: 'EUR', amount_micros: 20, effective_from: 2 });
    });
    const r1 = await bump.execute(tdb.database.db, { id: 'r1', amount: 11 });
    const r2 = await bump.execute(tdb.database.db, { id: 'r2', amount: 21 }); // EUR: the constant 'USD' still applies
    expect([Number(r1.numAffectedRows), Number(r2.numAffectedRows)]).toEqual([1, 0]);
    const rows = await tdb.database.db.selectFrom('rate_cards').select(['id', 'category', 'amount_micros']).where('market', '=', 'ZZ').orderBy('id').execute();
    expect(rows.map((r) => [r.id, r.category, Number(r.amount_micros)])).toEqual([['r1', 'marketing', 11], ['r2', 'utility', 20]]);
    expect(bump.sql(tdb.database.db)).toMatch(/update "rate_cards" set "amount_micros" = (\?|\$1) where "id" = (\?|\$2) and "currency" = (\?|\$3)/);
    await expect(insert(tdb.database.db, { id: 'r3', market: 'ZZ', category: 'x', currency: 'USD', amount_micros: undefined, effective_from: 1 })).rejects.toThrow(/no value for amount_micros/);
    expect((await sql<{ n: number }>`select count(*) as n from rate_cards where id = 'r3'`.execute(tdb.database.db)).rows[0]!.n).toBe(0);
  });

  it('compiles a list query once per length and binds the items with the other arguments', async () => {
    const rows = [1, 2, 3, 4].map((i) => [`r${i}`, 'ZZ', i % 2 ? 'marketing' : 'utility', 'USD', i * 10, i]);
    const inserted = await insertRows<{ id: string }>(tdb.database.db, dialectOf(tdb.database.db), { table: 'rate_cards', columns: ['id', 'market', 'category', 'currency', 'amount_micros', 'effective_from'], tail: 'returning id' }, rows, 3);
    expect(inserted.map((r) => r.id).sort()).toEqual(['r1', 'r2', 'r3', 'r4']);
    await expect(insertRows(tdb.database.db, dialectOf(tdb.database.db), { table: 'rate_cards', columns: ['id', 'market'] }, [['r9', 'ZZ'], ['r10']], 3)).rejects.toThrow(/a row of 1 values, not 2/);
    expect(dialectOf(tdb.database.db)).toBe(tdb.database.dialect);
    const find = precompiledWithList<{ category: string }, { id: string }>((db, a, ids) =>
      db.selectFrom('rate_cards').select('id').where('category', '=', a('category')).where('id', 'in', ids as string[]).orderBy('id'),
    );
    const ids = async (category: string, list: string[]) => (await find.execute(tdb.database.db, { category }, list)).rows.map((r) => r.id);
    expect(await ids('marketing', ['r1', 'r2', 'r3'])).toEqual(['r1', 'r3']);
    expect(await ids('utility', ['r1', 'r2', 'r4'])).toEqual(['r2', 'r4']); // same length, other values
    expect(await ids('utility', ['r4'])).toEqual(['r4']);
    await expect(find.execute(tdb.database.db, { category: 'utility' }, [])).rejects.toThrow(/empty list/);
    // Lists past 8 items are padded to a few shapes with their last item: the same rows come back.
    const many = [3, 1, 4, 2, ...Array.from({ length: 9 }, (_, i) => `absent${i}`)].map((x) => (typeof x === 'number' ? `r${x}` : x));
    expect(await ids('marketing', many)).toEqual(['r1', 'r3']);
    expect(await ids('utility', [...many.slice(4), 'r4'])).toEqual(['r4']); // the padding repeats r4
    expect([1, 8, 9, 12, 13, 16, 17, 24, 25, 32, 33, 48, 49, 64, 300, 500].map(listShape)).toEqual([1, 8, 12, 12, 16, 16, 24, 24, 32, 32, 48, 48, 64, 64, 384, 512]);
    expect(new Set(Array.from({ length: 500 }, (_, i) => listShape(i + 1))).size).toBeLessThanOrEqual(24);
  });

  it('writes flat rows in statements of full chunks, then powers of two (a handful of shapes however counts vary)', async () => {
    expect(statementSizes(1000, 256)).toEqual([256, 256, 256, 128, 64, 32, 8]);
    expect(statementSizes(7, 512)).toEqual([4, 2, 1]);
    expect(statementSizes(512, 512)).toEqual([512]);
    expect(statementSizes(0, 512)).toEqual([]);
    const spec = { table: 'rate_cards', columns: ['id', 'market', 'category', 'currency', 'amount_micros', 'effective_from'], tail: 'returning id' };
    const values = [1, 2, 3, 4, 5, 6, 7].flatMap((i) => [`f${i}`, 'ZY', 'marketing', 'USD', i * 10, i]);
    const inserted = await insertFlat<{ id: string }>(tdb.database.db, dialectOf(tdb.database.db), spec, values, 4);
    expect(inserted.map((r) => r.id).sort()).toEqual(['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7']);
    const rows = await tdb.database.db.selectFrom('rate_cards').select(['id', 'amount_micros']).where('market', '=', 'ZY').orderBy('id').execute();
    expect(rows.map((r) => [r.id, Number(r.amount_micros)])).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => [`f${i}`, i * 10]));
    await expect(insertFlat(tdb.database.db, dialectOf(tdb.database.db), spec, values.slice(1), 4)).rejects.toThrow(/not whole rows/);
  });
});
