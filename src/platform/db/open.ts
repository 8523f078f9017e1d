import { join } from 'node:path';
import type { Logger } from '../logger.ts';
import type { Database } from './database.ts';
import { openPostgres } from './postgres.ts';
import { openSqlite } from './sqlite.ts';

export interface OpenDatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  groupCommitMs: number;
  logger: Logger;
  schema?: string;
  /** SQLite page cache in MiB. */
  sqliteCacheMb?: number;
}

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded SQLite file under the data dir. */
export function openDatabase(options: OpenDatabaseOptions): Database {
  if (options.databaseUrl) {
    return openPostgres({ url: options.databaseUrl, logger: options.logger, ...(options.schema ? { schema: options.schema } : {}) });
  }
  return openSqlite({ path: join(options.dataDir, 'samvad.db'), logger: options.logger, groupCommitMs: options.groupCommitMs, ...(options.sqliteCacheMb ? { cacheMb: options.sqliteCacheMb } : {}) });
}
