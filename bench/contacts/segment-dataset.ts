/**
 * Builds the segment benchmark's dataset straight into the database (bulk inserts in big
 * transactions, not through the API), then — in a fresh process, as the first query after a
 * restart — counts a segment of two trait conditions and one event condition.
 *
 *   node --import tsx bench/contacts/segment-dataset.ts build <sqlite-file | postgres-url> [contacts] [events]
 *   node --import tsx bench/contacts/segment-dataset.ts count <sqlite-file | postgres-url>
 *
 * Data: contacts with traits city (Pune 40%), spend (0–999, ≥ 600: 40%), plan; events "Order Placed"
 * (about 35% of contacts have one in the last 30 days) and "Page Viewed" filler.
 */
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

async function build() {
  const nContacts = Number(nContactsArg ?? 1_000_000);
  const nEvents = Number(nEventsArg ?? 5_000_000);
  const database = open();
  await migrateToLatest(database, migrations);
  const db = database.db as any;
  await database.transaction((tx) => (tx.db as any).insertInto('workspaces').values({ id: WS, name: 'bench', plan: 'self_hosted', time_zone: 'UTC', created_at: NOW, updated_at: NOW } as never).onConflict((oc: any) => oc.doNothing()).execute());
  // Math.random: a small LCG's consecutive outputs were correlated (recent orders piled onto few contacts).
  const rnd = Math.random;
  // Bench setup only: a big page cache so bulk index inserts are not I/O bound.
  if (database.dialect === 'sqlite') await sql`pragma cache_size = -1000000`.execute(db);
  const ids: string[] = new Array(nContacts);
  const t0 = Date.now();
  const CH = 2000;
  for (let i = 0; i < nContacts; i += CH * 10) {
    await database.transaction(async (tx) => {
      for (let j = i; j < Math.min(nContacts, i + CH * 10); j += CH) {
        const contacts = [];
        const traits = [];
        for (let k = j; k < Math.min(nContacts, j + CH); k++) {
          const id = newId(NOW - 365 * DAY + k);
          ids[k] = id;
          const city = rnd() < 0.4 ? 'Pune' : rnd() < 0.5 ? 'Delhi' : 'Mumbai';
          const spend = Math.floor(rnd() * 1000);
          contacts.push({ id, workspace_id: WS, phone: String(917000000000 + k), country_code: '+91', phone_national: String(7000000000 + k), user_id: null, name: `C${k}`, profile_name: null, traits: JSON.stringify({ city, spend, plan: 'basic' }), tags: '[]', whatsapp_opted_in: null, created_at: NOW - 365 * DAY + k, updated_at: NOW });
          traits.push({ contact_id: id, workspace_id: WS, key: 'city', str_val: city, num_val: null }, { contact_id: id, workspace_id: WS, key: 'spend', str_val: String(spend), num_val: spend }, { contact_id: id, workspace_id: WS, key: 'plan', str_val: 'basic', num_val: null });
        }
        for (let p = 0; p < contacts.length; p += 500) await (tx.db as any).insertInto('contacts').values(contacts.slice(p, p + 500)).execute();
        for (let p = 0; p < traits.length; p += 1000) await (tx.db as any).insertInto('contact_traits').values(traits.slice(p, p + 1000)).execute();
      }
    });
  }
  const t1 = Date.now();
  for (let i = 0; i < nEvents; i += 50_000) {
    await database.transaction(async (tx) => {
      const rows = [];
      for (let k = i; k < Math.min(nEvents, i + 50_000); k++) {
        // 7% of events are recent orders spread over all contacts (≈35% of contacts have one); the rest are older page views and orders.
        const r = rnd();
        const contact = ids[Math.floor(rnd() * nContacts)]!;
        const name = r < 0.07 ? 'Order Placed' : r < 0.2 ? 'Order Placed' : 'Page Viewed';
        const at = r < 0.07 ? NOW - Math.floor(rnd() * 29 * DAY) : NOW - 31 * DAY - Math.floor(rnd() * 300 * DAY);
        rows.push({ id: newId(at), workspace_id: WS, contact_id: contact, name, properties: '{}', occurred_at: at, created_at: at });
      }
      for (let p = 0; p < rows.length; p += 1000) await (tx.db as any).insertInto('contact_events').values(rows.slice(p, p + 1000)).execute();
    });
  }
  if (database.dialect === 'postgres') await sql`vacuum analyze`.execute(db);
  else await sql`analyze`.execute(db);
  console.log(JSON.stringify({ contacts: nContacts, events: nEvents, contactsSeconds: (t1 - t0) / 1000, eventsSeconds: (Date.now() - t1) / 1000 }));
  await database.close();
}

async function count() {
  const database = open();
  const t = performance.now();
  const n = await countSegment(database.db as any, WS, SEGMENT, NOW);
  const ms = performance.now() - t;
  const perCond = [];
  for (const c of SEGMENT.conditions) perCond.push(await countSegment(database.db as any, WS, { match: 'all', conditions: [c] }, NOW));
  console.log(JSON.stringify({ count: n, firstQueryMs: Math.round(ms), perCondition: perCond }));
  await database.close();
}

if (mode === 'build') await build();
else if (mode === 'count') await count();
else throw new Error('usage: build|count <target>');
