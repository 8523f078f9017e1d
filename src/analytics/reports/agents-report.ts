import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import { listMembers } from '../../workspaces/people/index.ts';
import type { ReportRange } from '../range.ts';

interface Durations {
  count: number;
  /** Seconds. */
  averageSeconds: number | null;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

function summarize(ms: number[]): Durations {
  if (ms.length === 0) return { count: 0, averageSeconds: null, medianSeconds: null, p90Seconds: null };
  const s = [...ms].sort((a, b) => a - b);
  // Nearest-rank percentiles: an actual observed time, never an interpolation.
  const pct = (p: number) => s[Math.max(0, Math.ceil(p * s.length) - 1)]! / 1000;
  return { count: s.length, averageSeconds: Math.round(s.reduce((a, b) => a + b, 0) / s.length) / 1000, medianSeconds: pct(0.5), p90Seconds: pct(0.9) };
}

/**
 * Agent response times over the period, from the inbox's conversation rows and the messages:
 * - first response: for each conversation opened in the period, the first agent-sent message on
 *   it at or after the opening (the customer's message that opened it), minus the opening;
 *   conversations with no agent reply yet count as `awaitingFirstResponse`;
 * - resolution: for each conversation closed in the period, closing minus opening.
 * Both go to the conversation's assignee (unassigned ones to `null`). The inbox keeps only a
 * conversation's latest opening and assignee, so a conversation reopened or reassigned counts
 * once, for its latest cycle and assignee.
 */
export async function agentsReport(db: Db, workspaceId: string, range: ReportRange) {
  const firsts = await sql<{ assignee_user_id: string | null; opened_at: number; first_reply: number | null }>`
    select ic.assignee_user_id, ic.opened_at,
      (select min(m.created_at) from messages m
        where m.workspace_id = ic.workspace_id and m.contact_id = ic.contact_id and m.created_at >= ic.opened_at
          and m.number_id = ic.number_id and m.direction = 'outbound' and m.source = 'agent') as first_reply
    from inbox_conversations ic
    where ic.workspace_id = ${workspaceId} and ic.opened_at >= ${range.startMs} and ic.opened_at < ${range.endMs}`.execute(db);
  const resolved = await db
    .selectFrom('inbox_conversations')
    .select(['assignee_user_id', 'opened_at', 'closed_at'])
    .where('workspace_id', '=', workspaceId)
    .where('closed_at', '>=', range.startMs)
    .where('closed_at', '<', range.endMs)
    .execute();

  const per = new Map<string | null, { opened: number; awaiting: number; first: number[]; resolution: number[] }>();
  const of = (id: string | null) => {
    let a = per.get(id);
    if (!a) per.set(id, (a = { opened: 0, awaiting: 0, first: [], resolution: [] }));
    return a;
  };
  const all = { opened: 0, awaiting: 0, first: [] as number[], resolution: [] as number[] };
  for (const r of firsts.rows) {
    const a = of(r.assignee_user_id);
    a.opened++;
    all.opened++;
    if (r.first_reply === null) {
      a.awaiting++;
      all.awaiting++;
    } else {
      const d = Number(r.first_reply) - Number(r.opened_at);
      a.first.push(d);
      all.first.push(d);
    }
  }
  for (const r of resolved) {
    const d = Number(r.closed_at) - Number(r.opened_at);
    of(r.assignee_user_id).resolution.push(d);
    all.resolution.push(d);
  }
  const members = new Map((await listMembers(db, workspaceId)).map((m) => [m.id, m]));
  const agents = [...per]
    .map(([id, a]) => ({
      agent: id === null ? null : { id, name: members.get(id)?.name ?? null, email: members.get(id)?.email ?? null },
      conversationsOpened: a.opened,
      awaitingFirstResponse: a.awaiting,
      firstResponse: summarize(a.first),
      resolution: summarize(a.resolution),
    }))
    .sort((x, y) => (x.agent?.name ?? '\uffff').localeCompare(y.agent?.name ?? '\uffff') || (x.agent?.id ?? '').localeCompare(y.agent?.id ?? ''));
  return {
    timeZone: range.timeZone,
    from: range.from,
    to: range.to,
    totals: { conversationsOpened: all.opened, awaitingFirstResponse: all.awaiting, firstResponse: summarize(all.first), resolution: summarize(all.resolution) },
    agents,
  };
}
