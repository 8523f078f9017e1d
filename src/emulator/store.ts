/**
 * The emulator's durable state in its own SQLite file (WAL): businesses (portfolios), WABAs,
 * numbers, virtual customers, each phone's chat, templates, media, scheduled steps and pending
 * webhooks. WAL with synchronous=NORMAL survives a killed process (not a power cut), which is what
 * tests that `kill -9` Samvad need to trust the emulator's record.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Tier = 'TIER_250' | 'TIER_2K' | 'TIER_10K' | 'TIER_100K' | 'TIER_UNLIMITED';
export const TIERS: Tier[] = ['TIER_250', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED'];
export const TIER_LIMIT: Record<Tier, number> = {
  TIER_250: 250,
  TIER_2K: 2000,
  TIER_10K: 10000,
  TIER_100K: 100000,
  TIER_UNLIMITED: Number.POSITIVE_INFINITY,
};
export type Quality = 'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN';

export interface BusinessRow {
  id: string;
  name: string;
  tier: Tier;
  verified: number;
  upgrade_due_at: number | null;
  created_at: number;
}
export interface WabaRow {
  id: string;
  business_id: string;
  name: string;
  access_token: string;
  app_id: string;
  app_secret: string;
  callback_url: string | null;
  verify_token: string | null;
  payment_valid: number;
  created_at: number;
}
export interface NumberRow {
  id: string;
  waba_id: string;
  display_phone_number: string;
  verified_name: string;
  quality_rating: Quality;
  throughput_mps: number;
  callback_url: string | null;
  verify_token: string | null;
  registered: number;
  created_at: number;
}
export interface ReplyScript {
  /** `auto`: answers interactive messages the way a person would (presses a button, picks a row,
   * orders from a product list, submits a flow, shares a location) and otherwise sends `text`;
   * `text`: always sends `text`. */
  mode: 'auto' | 'text';
  text: string;
  buttonIndex: number;
  rowIndex: number;
  delayMs: number;
  /** Reply only to the first business message. */
  once: boolean;
}
export interface Behaviour {
  onWhatsApp: boolean;
  deliveryDelayMs: number;
  /** null: never reads. */
  readDelayMs: number | null;
  marketingOptOut: boolean;
  /** Marketing templates this user accepts per moving 24 h (all businesses); null: no cap. */
  marketingCap: number | null;
  reply: ReplyScript | null;
}
export interface UserRow {
  wa_id: string;
  profile_name: string;
  behaviour: string;
  replied: number;
  created_at: number;
}
export type MessageStep = 'fetch' | 'deliver' | 'read' | 'reply';
export interface MessageRow {
  id: string;
  number_id: string;
  wa_id: string;
  direction: 'out' | 'in';
  type: string;
  body: string;
  status: string;
  error_code: number | null;
  pricing: string | null;
  biz_opaque: string | null;
  api_version: number;
  context_id: string | null;
  next_step: MessageStep | null;
  next_at: number | null;
  created_at: number;
  updated_at: number;
}
export interface TemplateRow {
  id: string;
  waba_id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  parameter_format: string;
  components: string;
  reason: string | null;
  rejection_info: string | null;
  quality: string;
  ttl: number | null;
  pause_count: number;
  edits: string;
  created_at: number;
  updated_at: number;
}
export interface MediaRow {
  id: string;
  number_id: string;
  waba_id: string;
  mime_type: string;
  sha256: string;
  file_size: number;
  filename: string | null;
  data: Buffer;
  origin: string;
  created_at: number;
  expires_at: number;
}
export interface OutboxRow {
  id: number;
  waba_id: string;
  number_id: string | null;
  kind: 'status' | 'message' | 'waba';
  field: string;
  value: string;
  url: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  next_at: number;
  created_at: number;
  last_error: string | null;
  delivered_at: number | null;
}
export interface JobRow {
  id: number;
  kind: string;
  ref: string;
  payload: string;
  due_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS businesses (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, tier TEXT NOT NULL, verified INTEGER NOT NULL DEFAULT 0,
  upgrade_due_at INTEGER, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS wabas (
  id TEXT PRIMARY KEY, business_id TEXT NOT NULL, name TEXT NOT NULL, access_token TEXT NOT NULL UNIQUE,
  app_id TEXT NOT NULL, app_secret TEXT NOT NULL, callback_url TEXT, verify_token TEXT,
  payment_valid INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS numbers (
  id TEXT PRIMARY KEY, waba_id TEXT NOT NULL, display_phone_number TEXT NOT NULL UNIQUE, verified_name TEXT NOT NULL,
  quality_rating TEXT NOT NULL, throughput_mps INTEGER NOT NULL, callback_url TEXT, verify_token TEXT,
  registered INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  wa_id TEXT PRIMARY KEY, profile_name TEXT NOT NULL, behaviour TEXT NOT NULL, replied INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  id TEXT PRIMARY KEY, number_id TEXT NOT NULL, wa_id TEXT NOT NULL, direction TEXT NOT NULL, type TEXT NOT NULL,
  body TEXT NOT NULL, status TEXT NOT NULL, error_code INTEGER, pricing TEXT, biz_opaque TEXT,
  api_version INTEGER NOT NULL DEFAULT 21, context_id TEXT, next_step TEXT, next_at INTEGER,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS messages_due ON messages(next_at) WHERE next_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS messages_chat ON messages(wa_id, number_id, created_at);
CREATE TABLE IF NOT EXISTS windows (
  number_id TEXT NOT NULL, wa_id TEXT NOT NULL, last_inbound_at INTEGER, referral_at INTEGER, fep_until INTEGER,
  PRIMARY KEY (number_id, wa_id));
CREATE TABLE IF NOT EXISTS portfolio_usage (
  business_id TEXT NOT NULL, wa_id TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (business_id, wa_id));
CREATE TABLE IF NOT EXISTS marketing_receipts (wa_id TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS marketing_receipts_user ON marketing_receipts(wa_id, at);
CREATE TABLE IF NOT EXISTS templates (
  id TEXT PRIMARY KEY, waba_id TEXT NOT NULL, name TEXT NOT NULL, language TEXT NOT NULL, category TEXT NOT NULL,
  status TEXT NOT NULL, parameter_format TEXT NOT NULL, components TEXT NOT NULL, reason TEXT, rejection_info TEXT,
  quality TEXT NOT NULL DEFAULT 'UNKNOWN', ttl INTEGER, pause_count INTEGER NOT NULL DEFAULT 0, edits TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (waba_id, name, language));
CREATE TABLE IF NOT EXISTS deleted_names (waba_id TEXT NOT NULL, name TEXT NOT NULL, until INTEGER NOT NULL, PRIMARY KEY (waba_id, name));
CREATE TABLE IF NOT EXISTS media (
  id TEXT PRIMARY KEY, number_id TEXT NOT NULL, waba_id TEXT NOT NULL, mime_type TEXT NOT NULL, sha256 TEXT NOT NULL,
  file_size INTEGER NOT NULL, filename TEXT, data BLOB NOT NULL, origin TEXT NOT NULL, created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY, waba_id TEXT NOT NULL, number_id TEXT, kind TEXT NOT NULL, field TEXT NOT NULL,
  value TEXT NOT NULL, url TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL, created_at INTEGER NOT NULL, last_error TEXT, delivered_at INTEGER);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(next_at) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, ref TEXT NOT NULL, payload TEXT NOT NULL, due_at INTEGER NOT NULL,
  UNIQUE (kind, ref));
CREATE INDEX IF NOT EXISTS jobs_due ON jobs(due_at);
`;

export type DB = Database.Database;

export function openStore(path: string): DB {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}

/** Tables whose rows the engine keeps in memory (read-through caches); writes to them invalidate. */
const CACHED_TABLES = /\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+(numbers|wabas|businesses|users)\b/i;

/**
 * Small typed helpers over better-sqlite3 with a statement cache. The store is the durable truth;
 * `onCachedWrite` listeners drop in-memory copies whenever a statement writes one of the cached
 * tables, and whenever a transaction rolls back (a copy read inside it may be of undone rows).
 */
export class Store {
  readonly db: DB;
  private readonly cache = new Map<string, Database.Statement>();
  private readonly writesCached = new Map<string, boolean>();
  private readonly listeners: Array<() => void> = [];
  private depth = 0;
  private commitQueue: Array<() => void> = [];
  constructor(db: DB) {
    this.db = db;
  }
  onCachedWrite(listener: () => void): void {
    this.listeners.push(listener);
  }
  invalidate(): void {
    for (const l of this.listeners) l();
  }
  stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
      this.writesCached.set(sql, CACHED_TABLES.test(sql));
    }
    return s;
  }
  get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.stmt(sql).get(...params) as T | undefined;
  }
  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.stmt(sql).all(...params) as T[];
  }
  run(sql: string, ...params: unknown[]): Database.RunResult {
    const s = this.stmt(sql);
    if (this.writesCached.get(sql)) this.invalidate();
    return s.run(...params);
  }
  /** Runs `fn` once what was written so far is committed: at once outside a transaction, else
   * after the outermost transaction commits; dropped if the transaction (or savepoint) rolls back. */
  afterCommit(fn: () => void): void {
    if (this.depth === 0) fn();
    else this.commitQueue.push(fn);
  }
  tx<T>(fn: () => T): T {
    const mark = this.commitQueue.length;
    this.depth++;
    let result: T;
    try {
      result = this.db.transaction(fn)();
    } catch (err) {
      this.depth--;
      this.commitQueue.length = mark;
      this.invalidate();
      throw err;
    }
    this.depth--;
    if (this.depth === 0 && this.commitQueue.length > 0) {
      const queue = this.commitQueue;
      this.commitQueue = [];
      for (const f of queue) f();
    }
    return result;
  }
  close(): void {
    this.db.close();
  }
}
