import { Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from '../logger.ts';
import type { Tables } from './tables.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Tables>;
export type Trx = Transaction<Tables>;

/** A write in progress: the transaction, and hooks that run once it is durably committed. */
export interface Tx {
  readonly db: Trx;
  /** Runs after the transaction commits (never if it rolls back): wake a worker, notify. */
  afterCommit(fn: () => void): void;
}

/**
 * The storage a process uses. Reads go through `db`. Writes that must be durable when answered go
 * through `transaction()`: on SQLite concurrent calls are group-committed (one fsync for many
 * requests), on PostgreSQL each is its own transaction on the pool.
 *
 * Rule: never call `transaction()` from inside another transaction's callback (on SQLite that
 * waits for the batch it is part of).
 */
export interface Database {
  readonly dialect: Dialect;
  readonly db: Db;
  /** PostgreSQL: the schema in use when not the default (tests isolate files in schemas). */
  readonly schema?: string | undefined;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Checks the database answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** PostgreSQL only: LISTEN/NOTIFY between processes; in-process on SQLite. */
  notifications: Notifications;
  readonly logger: Logger;
}

export interface Notifications {
  /** `payload` (PostgreSQL: under 8,000 bytes) reaches every listener of the channel in every process. */
  notify(channel: string, payload?: string): Promise<void>;
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
}

export async function pingDb(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

/** Collects after-commit hooks and runs them, swallowing and logging their errors. */
export class AfterCommit {
  private hooks: (() => void)[] = [];
  add(fn: () => void) {
    this.hooks.push(fn);
  }
  run(logger: Logger) {
    const hooks = this.hooks;
    this.hooks = [];
    for (const h of hooks) {
      try {
        h();
      } catch (err) {
        logger.error({ err }, 'after-commit hook failed');
      }
    }
  }
}
