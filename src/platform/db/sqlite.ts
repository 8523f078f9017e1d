import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteAdapter, SqliteDialect, type DialectAdapter, type SqliteDatabase } from 'kysely';
import type { Logger } from '../logger.ts';
import { AfterCommit, pingDb, type Database, type Db, type Tx } from './database.ts';
import type { Tables } from './tables.ts';
import { WalCheckpointer, type WalCheckpointerOptions } from './wal-checkpointer.ts';
import { WalSyncer } from './wal-syncer.ts';

/** SQLite's DDL is transactional; Kysely's adapter says otherwise, which would run migrations outside a transaction. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class SamvadSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  path: string;
  logger: Logger;
  /** How long writes are collected into one transaction (0: until the next turn of the event loop). */
  groupCommitMs: number;
  /** Tests: replaces fdatasync of the WAL (to hold a sync open and watch answers wait for it). */
  walSync?: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void;
  /** Page cache in MiB (SAMVAD_SQLITE_CACHE_MB; default 32). */
  cacheMb?: number;
  /** Tests: checkpoint timing and the WAL length that makes the writer wait for a rewind. */
  checkpoints?: WalCheckpointerOptions;
}

interface PendingWrite {
  fn: (tx: Tx) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** Thrown inside a one-write batch to roll its transaction back; never escapes flush(). */
class WriteFailed {
  constructor(readonly error: unknown) {}
}

/**
 * Group commit: the writes of concurrent requests run one after another inside a single
 * transaction, each in its own savepoint (one failing write rolls back only itself), and the
 * transaction commits with one fsync (synchronous=FULL) before any of them is answered. Under load
 * batches grow by themselves: writes that arrive while a batch is committing form the next one.
 *
 * The savepoint statements are prepared once and run on the raw connection (inside the Kysely
 * transaction, which holds the only connection): going through Kysely would compile and prepare
 * them again for every write. A batch of a single write needs no savepoint: if it fails, the whole
 * transaction rolls back, which undoes exactly that write.
 */
/**
 * Set while a write's function runs inside a group-commit batch, to catch nested transactions.
 * Only when SAMVAD_STRICT_TRANSACTIONS=1 (the test suite sets it): an AsyncLocalStorage in use
 * turns on Node's promise hooks for the whole process, which cost 2-3 % of the send path's CPU.
 */
const insideWrite = process.env.SAMVAD_STRICT_TRANSACTIONS === '1' ? new AsyncLocalStorage<boolean>() : undefined;
const inWrite = <T>(fn: () => T): T => (insideWrite ? insideWrite.run(true, fn) : fn());

class GroupCommitter {
  private queue: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly savepoint: BetterSqlite3.Statement;
  private readonly release: BetterSqlite3.Statement;
  private readonly rollbackTo: BetterSqlite3.Statement;

  constructor(
    private readonly db: Db,
    raw: BetterSqlite3.Database,
    private readonly windowMs: number,
    private readonly logger: Logger,
    /** Syncs the WAL off the main thread (synchronous=NORMAL); absent for in-memory databases. */
    private readonly syncer?: WalSyncer,
    /** Checkpoints the WAL in a worker; a batch waits for one when the WAL needs to rewind. */
    private readonly checkpointer?: WalCheckpointer,
  ) {
    this.savepoint = raw.prepare('savepoint gc');
    this.release = raw.prepare('release savepoint gc');
    this.rollbackTo = raw.prepare('rollback to savepoint gc');
  }

  submit<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (insideWrite?.getStore()) {
      // Awaiting this from inside another write deadlocks: the outer batch cannot commit until the
      // inner write runs, and the inner one waits for the next batch. Tests run strict
      // (vitest.config.ts), so a nested transaction fails the test that makes it.
      return Promise.reject(new Error('database.transaction() called inside another transaction (deadlocks if awaited there); pass the outer tx instead'));
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule() {
    if (this.flushing || this.timer) return;
    const run = () => {
      this.timer = undefined;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (this.queue.length > 0) this.schedule();
      });
    };
    this.timer = this.windowMs > 0 ? setTimeout(run, this.windowMs) : setImmediate(run);
  }

  private async flush(): Promise<void> {
    // A long WAL rewinds only after a checkpoint with nothing committed meanwhile
    // (WalCheckpointer.wantsCatchUp): writes arriving during the wait join this batch.
    if (this.checkpointer?.wantsCatchUp(Date.now())) await this.checkpointer.catchUp(Date.now());
    const batch = this.queue;
    this.queue = [];
    const outcomes: { ok: boolean; value: unknown; hooks: AfterCommit }[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        if (batch.length === 1) {
          const hooks = new AfterCommit();
          try {
            const value = await inWrite(() => batch[0]!.fn({ db: trx, afterCommit: (f) => hooks.add(f) }));
            outcomes.push({ ok: true, value, hooks });
          } catch (err) {
            throw new WriteFailed(err);
          }
          return;
        }
        for (const write of batch) {
          const hooks = new AfterCommit();
          this.savepoint.run();
          try {
            const value = await inWrite(() => write.fn({ db: trx, afterCommit: (f) => hooks.add(f) }));
            this.release.run();
            outcomes.push({ ok: true, value, hooks });
          } catch (err) {
            this.rollbackTo.run();
            this.release.run();
            outcomes.push({ ok: false, value: err, hooks });
          }
        }
      });
    } catch (err) {
      if (err instanceof WriteFailed) {
        // The batch's only write failed and the transaction rolled back: that write alone is undone.
        batch[0]!.reject(err.error);
        return;
      }
      // The commit itself failed (disk full, I/O error): nothing in the batch is durable.
      this.logger.error({ err, writes: batch.length }, 'group commit failed');
      for (const write of batch) write.reject(err);
      return;
    }
    const answer = () =>
      batch.forEach((write, i) => {
        const o = outcomes[i]!;
        if (o.ok) {
          o.hooks.run(this.logger);
          write.resolve(o.value);
        } else {
          write.reject(o.value);
        }
      });
    if (!this.syncer) return answer();
    // The next batch may run while this one's WAL sync is in flight; answers wait for the sync.
    this.syncer.afterCommit().then(answer, (err: unknown) => {
      this.logger.error({ err, writes: batch.length }, 'syncing the write-ahead log failed; the batch is not known to be durable');
      for (const write of batch) write.reject(err);
    });
  }

  async drain(): Promise<void> {
    while (this.flushing || this.timer || this.queue.length > 0) {
      if (this.timer) {
        clearTimeout(this.timer as NodeJS.Timeout);
        clearImmediate(this.timer as NodeJS.Immediate);
        this.timer = undefined;
        this.schedule();
      }
      await (this.flushing ?? new Promise((r) => setImmediate(r)));
    }
    await this.syncer?.drain();
  }
}

/**
 * Kysely's SQLite driver prepares every statement on every call; preparing showed up as 7–15% of
 * CPU on the queue's hot path. Statements are reusable in better-sqlite3, so keep the most recent
 * ones by SQL text. A statement still iterating (a streamed query) is busy and cannot be shared:
 * then a fresh one is prepared.
 */
function withStatementCache(raw: BetterSqlite3.Database, maxStatements = 500): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const profile = process.env.SAMVAD_SQL_PROFILE ? sqlProfiler(process.env.SAMVAD_SQL_PROFILE) : undefined;
  if (profile) return { close: () => raw.close(), prepare: (sqlText: string) => profile(sqlText, raw.prepare(sqlText)) };
  return {
    close: () => raw.close(),
    prepare(sqlText: string) {
      const hit = cache.get(sqlText);
      if (hit && !hit.busy) {
        cache.delete(sqlText);
        cache.set(sqlText, hit);
        return hit;
      }
      const stmt = raw.prepare(sqlText);
      if (!hit) {
        cache.set(sqlText, stmt);
        if (cache.size > maxStatements) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
  };
}

/**
 * A developer's aid (SAMVAD_SQL_PROFILE=FILE): time spent in each statement's execution, by SQL
 * text, written to FILE as JSON every 5 s. Statements are not cached while profiling.
 */
function sqlProfiler(file: string) {
  const totals = new Map<string, { calls: number; ms: number }>();
  const write = () => {
    const rows = [...totals].map(([sql, t]) => ({ sql, ...t })).sort((a, b) => b.ms - a.ms);
    writeFileSync(file, JSON.stringify(rows, null, 1));
  };
  setInterval(write, 5_000).unref();
  process.once('exit', write);
  return (sqlText: string, stmt: BetterSqlite3.Statement): BetterSqlite3.Statement =>
    new Proxy(stmt, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target);
        if (prop !== 'all' && prop !== 'run' && prop !== 'get') return typeof v === 'function' ? v.bind(target) : v;
        return (...args: unknown[]) => {
          const t0 = performance.now();
          try {
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          } finally {
            const t = totals.get(sqlText) ?? totals.set(sqlText, { calls: 0, ms: 0 }).get(sqlText)!;
            t.calls++;
            t.ms += performance.now() - t0;
          }
        };
      },
    });
}

export function openSqlite(options: SqliteOptions): Database {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const raw = new BetterSqlite3(options.path);
  raw.pragma('journal_mode = WAL');
  // Commits are made durable by the group committer's WalSyncer (an fdatasync of the WAL on the
  // thread pool before any write is answered) instead of by SQLite inside COMMIT on the event loop;
  // see wal-syncer.ts. An in-memory database has nothing to sync.
  const inMemory = options.path === ':memory:';
  raw.pragma(inMemory ? 'synchronous = FULL' : 'synchronous = NORMAL');
  // The default 2 MB page cache made hot-path inserts re-read index pages from the OS; 32 MB keeps
  // the working set of a busy workspace in memory (64 MB was no faster in the send and campaign
  // benches and added its size to the process's memory).
  raw.pragma(`cache_size = -${(options.cacheMb ?? 32) * 1024}`);
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  const db = new Kysely<Tables>({ dialect: new SamvadSqliteDialect({ database: withStatementCache(raw) }) });
  const syncer = inMemory ? undefined : new WalSyncer(`${options.path}-wal`, options.walSync);
  const checkpointer = inMemory ? undefined : new WalCheckpointer(raw, options.path, options.logger, options.checkpoints);
  const committer = new GroupCommitter(db, raw, options.groupCommitMs, options.logger, syncer, checkpointer);
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let closed = false;
  return {
    dialect: 'sqlite',
    db,
    logger: options.logger,
    transaction: (fn) => {
      checkpointer?.written();
      return committer.submit(fn);
    },
    ping: () => pingDb(db),
    notifications: {
      async notify(channel, payload = '') {
        bus.emit(channel, payload);
      },
      async listen(channel, fn) {
        bus.on(channel, fn);
        return async () => {
          bus.off(channel, fn);
        };
      },
    },
    async close() {
      if (closed) return;
      closed = true;
      await committer.drain();
      await checkpointer?.close();
      await db.destroy();
      syncer?.close();
    },
  };
}
