import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Scenario } from '../lib/scenario.ts';
import { BENCH_AUTH, startBenchSamvad } from '../lib/samvad.ts';
import { median } from '../lib/stats.ts';

const CONVERSATIONS = Number(process.env.INBOX_BENCH_CONVERSATIONS ?? 100_000);

/**
 * Opening the inbox of a workspace with 100,000 conversations (issue 8's target: under 1 s for
 * the API and the first render; this measures the API half): `GET /api/v1/inbox/conversations`
 * first page (50, newest first) under load, on SQLite. 60% of the conversations have inbox state
 * (open or closed, one of 10 agents or unassigned), 1% carry a label. After the rounds, single
 * requests (median of 21) for the other views: unassigned+open, closed, a label, and page 2.
 */
export default {
  name: 'inbox-list',
  description: `GET /api/v1/inbox/conversations on ${CONVERSATIONS.toLocaleString('en')} conversations (first page, newest first; SQLite)`,
  async setup() {
    const server = await startBenchSamvad({ SAMVAD_SANDBOX: 'off' });
    const { url, dataDir } = server;
    seed(join(dataDir, 'samvad.db'));
    const get = async (path: string) => {
      const t = performance.now();
      const res = await fetch(`${url}${path}`, { headers: { authorization: BENCH_AUTH } });
      const body = (await res.json()) as { data: unknown[]; nextCursor: string | null };
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
      return { ms: performance.now() - t, body };
    };
    const single = async (path: string) => {
      const times: number[] = [];
      for (let i = 0; i < 21; i++) times.push((await get(path)).ms);
      return Math.round(median(times) * 100) / 100;
    };
    return {
      url: `${url}/api/v1/inbox/conversations?limit=50`,
      method: 'GET' as const,
      headers: { authorization: BENCH_AUTH },
      expectStatus: 200,
      async extraReport() {
        const first = await get('/api/v1/inbox/conversations?limit=50');
        return {
          'first page ms (single)': await single('/api/v1/inbox/conversations?limit=50'),
          'unassigned+open ms': await single('/api/v1/inbox/conversations?view=unassigned&status=open&limit=50'),
          'closed ms': await single('/api/v1/inbox/conversations?status=closed&limit=50'),
          'label ms': await single('/api/v1/inbox/conversations?label=vip&limit=50'),
          'page 2 ms': await single(`/api/v1/inbox/conversations?limit=50&cursor=${first.body.nextCursor}`),
        };
      },
      async teardown() {
        await server.stop();
      },
    };
  },
} satisfies Scenario & { setup(): Promise<unknown> };

/** Writes the conversations straight into the running Samvad's SQLite file (WAL: a second writer waits its turn). */
function seed(path: string) {
  const db = new Database(path);
  db.pragma('busy_timeout = 10000');
  const ws = (db.prepare(`select value from instance_settings where key = 'default_workspace_id'`).get() as { value: string }).value;
  const now = Date.now();
  const conv = db.prepare(`insert into conversations (id, workspace_id, number_id, contact_id, last_message_id, last_message_at, last_inbound_at, window_expires_at, fep_expires_at, unread_count, created_at, updated_at) values (?, ?, 'bench-number', ?, null, ?, ?, ?, null, ?, ?, ?)`);
  const state = db.prepare(`insert into inbox_conversations (number_id, contact_id, workspace_id, conversation_id, status, assignee_user_id, team_id, assigned_at, opened_at, closed_at, last_auto_reply_at, updated_at) values ('bench-number', ?, ?, ?, ?, ?, null, null, ?, null, null, ?)`);
  const labelId = 'bench-label-vip';
  db.prepare(`insert into labels (id, workspace_id, name, color, description, created_at) values (?, ?, 'vip', null, null, ?)`).run(labelId, ws, now);
  const label = db.prepare(`insert into conversation_labels (workspace_id, number_id, contact_id, label_id, created_at) values (?, 'bench-number', ?, ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < CONVERSATIONS; i++) {
      const id = `conv-${String(i).padStart(7, '0')}`;
      const contact = `contact-${i}`;
      const at = now - (CONVERSATIONS - i) * 1_000;
      conv.run(id, ws, contact, at, at, at + 86_400_000, i % 5, at, at);
      if (i % 10 < 6) state.run(contact, ws, id, i % 3 === 0 ? 'closed' : 'open', i % 4 === 0 ? null : `agent-${i % 10}`, at, at);
      if (i % 100 === 0) label.run(ws, contact, labelId, at);
    }
  })();
  // Move the seed out of the write-ahead log before measuring: readers of a large WAL look each
  // page up in it, and the server's checkpointer would otherwise copy it back during the rounds.
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
