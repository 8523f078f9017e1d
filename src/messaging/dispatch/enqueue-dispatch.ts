import { dialectOf, insertFlat } from '../../platform/db/bulk-insert.ts';
import type { Tx } from '../../platform/db/database.ts';
import { precompiledInsert } from '../../platform/db/precompiled.ts';

/** Dispatch priorities: agent replies and API sends go ahead of campaign sends on the same number. */
export const PRIORITY = { agent: 0, api: 10, automation: 10, campaign: 20 } as const;

export const DISPATCH_CHANNEL = 'samvad_dispatch';

declare module '../tables.ts' {
  interface DispatchQueueTable {
    /** Enqueue order (ms × 1000 + a per-process counter): per-recipient order and FIFO within a priority. */
    seq: number;
  }
}

let lastSeq = 0;

/** Strictly increasing within the process, and in time order across processes (to the millisecond). */
export function nextDispatchSeq(nowMs: number): number {
  lastSeq = Math.max(lastSeq + 1, nowMs * 1000);
  return lastSeq;
}

export interface EnqueueDispatchInput {
  messageId: string;
  numberId: string;
  workspaceId: string;
  recipient: string;
  priority: number;
  expiresAt: number;
  now: number;
}

/** What both enqueue paths write of a queue row, in this order. */
const QUEUE_COLUMNS = ['message_id', 'number_id', 'workspace_id', 'recipient', 'priority', 'run_at', 'expires_at', 'attempts', 'last_error', 'created_at', 'seq'] as const;
const insertQueueRow = precompiledInsert('dispatch_queue', QUEUE_COLUMNS);

/**
 * Queues an outbound message for its number's dispatcher, inside the transaction that stores the
 * message, and wakes dispatchers once it commits (in-process and, on PostgreSQL, NOTIFY).
 */
export async function enqueueDispatch(tx: Tx, input: EnqueueDispatchInput, wake: (numberId: string) => void): Promise<void> {
  await insertQueueRow(tx.db, {
    message_id: input.messageId,
    number_id: input.numberId,
    workspace_id: input.workspaceId,
    recipient: input.recipient,
    priority: input.priority,
    run_at: input.now,
    expires_at: input.expiresAt,
    attempts: 0,
    last_error: null,
    created_at: input.now,
    seq: nextDispatchSeq(input.now),
  });
  tx.afterCommit(() => wake(input.numberId));
}

/**
 * enqueueDispatch for many messages (a campaign batch): the same rows, seq in the order given, in
 * multi-row inserts (bulk-insert.ts: one statement per few hundred rows instead of one per row),
 * and one wake per number once the transaction commits.
 */
export async function enqueueDispatchMany(tx: Tx, inputs: readonly EnqueueDispatchInput[], wake: (numberId: string) => void): Promise<void> {
  const values: unknown[] = [];
  const numbers = new Set<string>();
  for (const i of inputs) {
    values.push(i.messageId, i.numberId, i.workspaceId, i.recipient, i.priority, i.now, i.expiresAt, 0, null, i.now, nextDispatchSeq(i.now));
    numbers.add(i.numberId);
  }
  await insertFlat(tx.db, dialectOf(tx.db), { table: 'dispatch_queue', columns: QUEUE_COLUMNS }, values, 500);
  for (const n of numbers) tx.afterCommit(() => wake(n));
}
