import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Logger } from '../logger.ts';
import { AfterCommit, pingDb, type Database, type Tx } from './database.ts';
import type { Tables } from './tables.ts';

export interface PostgresOptions {
  url: string;
  logger: Logger;
  /** A schema to use instead of public (tests isolate each file in its own schema). */
  schema?: string;
  poolSize?: number;
}

const INT8_OID = 20;

/** Connection settings every Samvad connection carries (DESIGN.md §4 queue notes). */
function clientConfig(options: PostgresOptions): pg.ClientConfig {
  return {
    connectionString: options.url,
    // Times are stored as bigint milliseconds; read them back as numbers (safe up to year 287,396).
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as never,
    },
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  };
}

/** The schema named by `?options=-c search_path=NAME` in a connection string, if any. */
export function schemaFromUrl(url: string): string | undefined {
  try {
    const m = /search_path=([A-Za-z_][A-Za-z0-9_]*)/.exec(new URL(url).searchParams.get('options') ?? '');
    return m?.[1];
  } catch {
    return undefined;
  }
}

export function openPostgres(options: PostgresOptions): Database {
  const schema = options.schema ?? schemaFromUrl(options.url);
  const pool = new pg.Pool({ ...clientConfig(options), max: options.poolSize ?? 10 });
  pool.on('error', (err) => options.logger.warn({ err }, 'idle PostgreSQL connection failed'));
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  const prefix = schema ? `${schema}_` : '';
  const listeners = new Map<string, Set<(payload: string) => void>>();
  let listenClient: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;

  // One dedicated connection carries LISTEN for the whole process; it reconnects after a failure
  // and re-subscribes (a wake-up missed meanwhile only delays work until the next poll).
  const getListenClient = (): Promise<pg.Client> => {
    if (listenClient) return Promise.resolve(listenClient);
    connecting ??= (async () => {
      const client = new pg.Client(clientConfig(options));
      client.on('notification', (msg) => {
        for (const fn of listeners.get(msg.channel) ?? []) fn(msg.payload ?? '');
      });
      client.on('error', (err) => {
        options.logger.warn({ err }, 'LISTEN connection failed; reconnecting');
        listenClient = undefined;
        connecting = undefined;
        client.end().catch(() => {});
        if (!closed) setTimeout(() => void resubscribe(), 1000).unref();
      });
      await client.connect();
      listenClient = client;
      connecting = undefined;
      return client;
    })();
    return connecting;
  };
  const resubscribe = async () => {
    try {
      const client = await getListenClient();
      for (const channel of listeners.keys()) await client.query(`LISTEN "${channel}"`);
    } catch (err) {
      options.logger.warn({ err }, 'could not re-subscribe to notifications');
    }
  };

  return {
    dialect: 'postgres',
    db,
    schema,
    logger: options.logger,
    async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const hooks = new AfterCommit();
      const result = await db.transaction().execute((trx) => fn({ db: trx, afterCommit: (f) => hooks.add(f) }));
      hooks.run(options.logger);
      return result;
    },
    ping: () => pingDb(db),
    notifications: {
      async notify(channel, payload = '') {
        await pool.query('select pg_notify($1, $2)', [prefix + channel, payload]);
      },
      async listen(channel, fn) {
        const full = prefix + channel;
        let set = listeners.get(full);
        if (!set) {
          set = new Set();
          listeners.set(full, set);
          const client = await getListenClient();
          await client.query(`LISTEN "${full}"`);
        }
        set.add(fn);
        return async () => {
          set.delete(fn);
        };
      },
    },
    async close() {
      if (closed) return;
      closed = true;
      await listenClient?.end().catch(() => {});
      await db.destroy();
    },
  };
}
