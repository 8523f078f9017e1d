import { Migrator, type Migration, type MigrationResultSet } from 'kysely';
import { AppError } from '../errors.ts';
import type { Database } from './database.ts';

export type { Migration };

/**
 * One migration set for both dialects. Migrations are listed in code (src/migrations.ts), not
 * discovered on disk, so a build cannot silently drop one. All pending migrations run in one
 * transaction: if any fails, the schema is left exactly as it was.
 */
export function createMigrator(database: Database, migrations: Record<string, Migration>): Migrator {
  return new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
    // Kysely looks for its bookkeeping tables in every schema; pin them to ours so a database
    // shared by several schemas (the test tier) does not confuse them.
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
}

export async function migrateToLatest(database: Database, migrations: Record<string, Migration>): Promise<string[]> {
  const { error, results } = (await createMigrator(database, migrations).migrateToLatest()) as MigrationResultSet;
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const cause = error instanceof Error ? error.message : String(error);
    throw new AppError('internal', `Migration ${failed} failed; no migration was applied: ${cause}`, { migration: failed });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations not yet applied (readiness fails while any is pending). */
export async function pendingMigrations(database: Database, migrations: Record<string, Migration>): Promise<string[]> {
  const infos = await createMigrator(database, migrations).getMigrations();
  return infos.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
