/**
 * Builds the segment benchmark's dataset straight into the database (bulk inserts in big
 * transactions, not through the API), then — in a fresh process, as the first query after a
 * restart — counts a segment of two trait conditions and one event condition.
 *
 *   node --import tsx bench/contacts/segment-dataset.ts build <dir | postgres-url> [contacts] [events]
 *   node --import tsx bench/contacts/segment-dataset.ts migrate <dir | postgres-url>   (migrations added since the build)
 *   node --import tsx bench/contacts/segment-dataset.ts count <dir | postgres-url>
 *
 * Data: contacts with traits city (Pune 40%), spend (0–999, ≥ 600: 40%), plan; events "Order Placed"
 * (about 35% of contacts have one in the last 30 days) and "Page Viewed" filler.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { migrations } from '../../src/migrations.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newId } from '../../src/platform/ids.ts';
import { countSegment } from '../../src/contacts/segments/evaluate.ts';
import type { SegmentDefinition } from '../../src/contacts/segments/definition.ts';

const [mode, target, nContactsArg, nEventsArg] = process.argv.slice(2);
const NOW = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const WS = 'bench-ws';

export const SEGMENT: SegmentDefinition = {
  match: 'all',
  conditions: [
    { type: 'trait', trait: 'city', op: 'eq', val: 'Pune' },
    { type: 'trait', trait: 'spend', op: 'gte', val: 600 },
    { type: 'event', event: 'Order Placed', op: 'at_least', count: 1, withinDays: 30 },
  ],
};

function open() {
  const isPg = target!.startsWith('postgres');
  return openDatabase({ databaseUrl: isPg ? target : undefined, dataDir: isPg ? '/tmp' : target!, groupCommitMs: 0, logger: createLogger({ level: 'silent' }) });
}

/** One contact's generated data (the same distribution on both stores). */
function* generateContacts(n: number, rnd: () => number): Generator<{ contact: Record<string, unknown>; traits: Record<string, unknown>[] }> {
  for (let k = 0; k < n; k++) {
    const id = newId(NOW - 365 * DAY + k);
    const city = rnd() < 0.4 ? 'Pune' : rnd() < 0.5 ? 'Delhi' : 'Mumbai';
    const spend = Math.floor(rnd() * 1000);
    yield {
      contact: { id, workspace_id: WS, phone: String(917000000000 + k), country_code: '+91', phone_national: String(7000000000 + k), user_id: null, name: `C${k}`, profile_name: null, traits: JSON.stringify({ city, spend, plan: 'basic' }), tags: '[]', whatsapp_opted_in: null, created_at: NOW - 365 * DAY + k, updated_at: NOW },
      traits: [
        { contact_id: id, workspace_id: WS, key: 'city', str_val: city, num_val: null },
        { contact_id: id, workspace_id: WS, key: 'spend', str_val: String(spend), num_val: spend },
        { contact_id: id, workspace_id: WS, key: 'plan', str_val: 'basic', num_val: null },
      ],
    };
  }
}

function generateEvent(ids: string[], rnd: () => number): Record<string, unknown> {
  // 7% of events are recent orders spread over all contacts (≈35% of contacts have one); the rest are older page views and orders.
  const r = rnd();
  const contact = ids[Math.floor(rnd() * ids.length)]!;
  const name = r < 0.07 ? 'Order Placed' : r < 0.2 ? 'Order Placed' : 'Page Viewed';
  const at = r < 0.07 ? NOW - Math.floor(rnd() * 29 * DAY) : NOW - 31 * DAY - Math.floor(rnd() * 300 * DAY);
  return { id: newId(at), workspace_id: WS, contact_id: contact, name, properties: '{}', occurred_at: at, created_at: at };
}

const BULK_TABLES = ['contacts', 'contact_traits', 'contact_events'];

/**
 * Bulk load (bench setup only, not how Samvad writes): the schema comes from the real migrations,
 * then the secondary indexes of the three big tables are dropped, the rows loaded in big
 * transactions, and the same indexes created again (sorting once is far faster than 9 million
 * random index inserts, which drove the WAL past 20 GB), then ANALYZE.
 */
async function build() {
  const nContacts = Number(nContactsArg ?? 1_000_000);
  const nEvents = Number(nEventsArg ?? 5_000_000);
  const database = open();
  await migrateToLatest(database, migrations);
  await database.transaction((tx) => (tx.db as any).insertInto('workspaces').values({ id: WS, name: 'bench', plan: 'self_hosted', time_zone: 'UTC', created_at: NOW, updated_at: NOW } as never).onConflict((oc: any) => oc.doNothing()).execute());
  const isPg = database.dialect === 'postgres';
  if (!isPg) await database.close();
  // Math.random: a small LCG's consecutive outputs were correlated (recent orders piled onto few contacts).
  const rnd = Math.random;
  const ids: string[] = new Array(nContacts);
  const t0 = Date.now();
  let t1: number;
  let tIdx0: number;
  if (!isPg) {
    const raw = new BetterSqlite3(join(target!, 'samvad.db'));
    raw.pragma('journal_mode = OFF');
    raw.pragma('synchronous = OFF');
    raw.pragma('cache_size = -1000000');
    raw.pragma('temp_store = memory');
    const indexes = raw.prepare(`select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in (${BULK_TABLES.map(() => '?').join(',')})`).all(...BULK_TABLES) as { name: string; sql: string }[];
    for (const i of indexes) raw.exec(`drop index "${i.name}"`);
    const cols = (t: string) => (raw.prepare(`select name from pragma_table_info(?)`).all(t) as { name: string }[]).map((c) => c.name);
    const inserter = (t: string) => {
      const c = cols(t);
      const stmt = raw.prepare(`insert into ${t} (${c.map((x) => `"${x}"`).join(',')}) values (${c.map(() => '?').join(',')})`);
      return (row: Record<string, unknown>) => stmt.run(...c.map((x) => row[x] ?? null));
    };
    const insContact = inserter('contacts');
    const insTrait = inserter('contact_traits');
    const insEvent = inserter('contact_events');
    let k = 0;
    const gen = generateContacts(nContacts, rnd);
    const loadContacts = raw.transaction((n: number) => {
      for (let j = 0; j < n; j++) {
        const next = gen.next();
        if (next.done) return;
        ids[k++] = next.value.contact.id as string;
        insContact(next.value.contact);
        for (const t of next.value.traits) insTrait(t);
      }
    });
    while (k < nContacts) loadContacts(100_000);
    t1 = Date.now();
    const loadEvents = raw.transaction((n: number) => {
      for (let j = 0; j < n; j++) insEvent(generateEvent(ids, rnd));
    });
    for (let i = 0; i < nEvents; i += 100_000) loadEvents(Math.min(100_000, nEvents - i));
    tIdx0 = Date.now();
    for (const i of indexes) raw.exec(i.sql);
    raw.exec('analyze');
    raw.pragma('journal_mode = WAL');
    raw.close();
  } else {
    const db = database.db as any;
    const indexes = (await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename in (${sql.join(BULK_TABLES)}) and indexname not like '%_pkey' and indexname not like '%_pk'`.execute(db)).rows;
    for (const i of indexes) await sql`drop index ${sql.id(i.indexname)}`.execute(db);
    // Multi-row unnest inserts (about 120k rows/s here, DESIGN.md §4).
    const types: Record<string, Record<string, string>> = {
      contacts: { id: 'text', workspace_id: 'text', phone: 'text', country_code: 'text', phone_national: 'text', user_id: 'text', name: 'text', profile_name: 'text', traits: 'text', tags: 'text', whatsapp_opted_in: 'int', created_at: 'bigint', updated_at: 'bigint' },
      contact_traits: { contact_id: 'text', workspace_id: 'text', key: 'text', str_val: 'text', num_val: 'float8' },
      contact_events: { id: 'text', workspace_id: 'text', contact_id: 'text', name: 'text', properties: 'text', occurred_at: 'bigint', created_at: 'bigint' },
    };
    const insert = async (t: string, rows: Record<string, unknown>[]) => {
      const cols = Object.keys(types[t]!);
      const arrays = cols.map((c) => rows.map((r) => r[c] ?? null));
      await sql`insert into ${sql.table(t)} (${sql.join(cols.map((c) => sql.id(c)))}) select * from unnest(${sql.join(cols.map((c, i) => sql`${arrays[i]}::${sql.raw(types[t]![c]!)}[]`))})`.execute(db);
    };
    let k = 0;
    const gen = generateContacts(nContacts, rnd);
    while (k < nContacts) {
      const contacts: Record<string, unknown>[] = [];
      const traits: Record<string, unknown>[] = [];
      for (let j = 0; j < 20_000 && k < nContacts; j++) {
        const next = gen.next().value!;
        ids[k++] = next.contact.id as string;
        contacts.push(next.contact);
        traits.push(...next.traits);
      }
      await insert('contacts', contacts);
      await insert('contact_traits', traits);
    }
    t1 = Date.now();
    for (let i = 0; i < nEvents; i += 50_000) {
      const rows: Record<string, unknown>[] = [];
      for (let j = i; j < Math.min(nEvents, i + 50_000); j++) rows.push(generateEvent(ids, rnd));
      await insert('contact_events', rows);
    }
    tIdx0 = Date.now();
    await sql`set maintenance_work_mem = '512MB'`.execute(db);
    for (const i of indexes) await sql.raw(i.indexdef).execute(db);
    await sql`vacuum analyze`.execute(db);
    await database.close();
  }
  console.log(JSON.stringify({ contacts: nContacts, events: nEvents, contactsSeconds: (t1 - t0) / 1000, eventsSeconds: (tIdx0 - t1) / 1000, indexSeconds: (Date.now() - tIdx0) / 1000 }));
}

/**
 * Applies migrations added since the dataset was built (a new index, say) to an existing dataset,
 * as Samvad does when it starts: the count must run against the schema the code expects. Then
 * ANALYZE (what PostgreSQL's autovacuum would do after the build; the build analyzed SQLite too).
 */
async function migrate() {
  const database = open();
  const t = Date.now();
  const applied = await migrateToLatest(database, migrations);
  if (applied.length > 0) await sql`analyze`.execute(database.db);
  console.log(JSON.stringify({ migrated: applied, migrateSeconds: (Date.now() - t) / 1000 }));
  await database.close();
}

/** CPU time (ms) of a process on this machine, from /proc (user + system, 100 ticks a second). */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function count() {
  const database = open();
  // PostgreSQL: the CPU of the query is the server backend's; read it from /proc (same machine).
  const backend = database.dialect === 'postgres' ? Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db)).rows[0]!.pid) : null;
  const cpuOf = () => (backend === null ? (({ user, system }) => (user + system) / 1000)(process.cpuUsage()) : procCpuMs(backend));
  const c0 = cpuOf();
  const t = performance.now();
  const n = await countSegment(database.db as any, WS, SEGMENT, NOW);
  const ms = performance.now() - t;
  const cpuMs = cpuOf() - c0;
  const perCond = [];
  for (const c of SEGMENT.conditions) perCond.push(await countSegment(database.db as any, WS, { match: 'all', conditions: [c] }, NOW));
  console.log(JSON.stringify({ count: n, firstQueryMs: Math.round(ms), firstQueryCpuMs: Math.round(cpuMs), perCondition: perCond }));
  await database.close();
}

if (mode === 'build') await build();
else if (mode === 'migrate') await migrate();
else if (mode === 'count') await count();
else throw new Error('usage: build|migrate|count <target>');
