import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../lib/scenario.ts';
import { REPO_ROOT } from '../lib/spawn.ts';

/**
 * Segment count over a big dataset (issue 6: 1,000,000 contacts, 5,000,000 events; two trait
 * conditions and one event condition, each matching 20–50%; count < 1 s as the first query after
 * a restart, SQLite and PostgreSQL). The dataset is built once by bench/contacts/segment-dataset.ts
 * with bulk inserts (kept in BENCH_SEGMENT_DIR, default /tmp/samvad-segment-bench); each round
 * counts in a fresh process (no warm statement cache, no precomputed counts), after applying any
 * migration added since the build.
 * BENCH_SEGMENT_CONTACTS / BENCH_SEGMENT_EVENTS size it; BENCH_SEGMENT_PG=postgres://… targets
 * PostgreSQL instead of SQLite.
 */
export default {
  name: 'contacts-segment-count',
  description: 'Segment count (2 trait + 1 event conditions) as the first query of a fresh process over a bulk-built dataset',
  async run() {
    const contacts = process.env.BENCH_SEGMENT_CONTACTS ?? '1000000';
    const events = process.env.BENCH_SEGMENT_EVENTS ?? '5000000';
    const target = process.env.BENCH_SEGMENT_PG ?? join(process.env.BENCH_SEGMENT_DIR ?? '/tmp/samvad-segment-bench', `${contacts}-${events}`);
    const script = join(REPO_ROOT, 'bench', 'contacts', 'segment-dataset.ts');
    const node = (args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').pop()!;
    let built: Record<string, number> = {};
    if (!target.startsWith('postgres') && !existsSync(join(target, 'samvad.db'))) {
      mkdirSync(target, { recursive: true });
      built = JSON.parse(node(['build', target, contacts, events])) as Record<string, number>;
    } else if (target.startsWith('postgres') && process.env.BENCH_SEGMENT_PG_BUILD === '1') {
      built = JSON.parse(node(['build', target, contacts, events])) as Record<string, number>;
    }
    // A dataset built before a later migration (an index) gets it first, as a restarted Samvad would.
    node(['migrate', target]);
    const r = JSON.parse(node(['count', target])) as { count: number; firstQueryMs: number; firstQueryCpuMs: number; perCondition: number[] };
    return { 'count ms (first query)': r.firstQueryMs, 'count CPU ms (SQLite: the process; PostgreSQL: its backend)': r.firstQueryCpuMs, members: r.count, 'members per condition': r.perCondition.join(' / '), 'target ms': 1000, ...(built.contactsSeconds ? { 'build contacts s': built.contactsSeconds, 'build events s': built.eventsSeconds! } : {}) };
  },
} satisfies Scenario;
