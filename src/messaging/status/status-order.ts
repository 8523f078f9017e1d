import type { MessageStatus } from '../tables.ts';

/**
 * The monotonic order of an outbound message (DESIGN.md §2). `unknown` (the dispatcher could not
 * tell whether Meta took the send) sits below `sent`, so any report from Meta resolves it.
 * `failed` and `expired` are terminal; `delivered` and `read` are never undone by a late `failed`.
 */
const RANK: Partial<Record<MessageStatus, number>> = { queued: 0, sending: 1, unknown: 2, sent: 3, delivered: 4, read: 5 };

export function statusRank(s: MessageStatus): number | undefined {
  return RANK[s];
}

/** Whether a message in `from` moves to `to` (Meta's statuses: sent, delivered, read, failed). */
export function canMove(from: MessageStatus, to: 'sent' | 'delivered' | 'read' | 'failed'): boolean {
  if (from === 'failed' || from === 'expired' || from === 'received') return false;
  if (to === 'failed') return from !== 'delivered' && from !== 'read';
  const a = RANK[from];
  const b = RANK[to];
  return a !== undefined && b !== undefined && b > a;
}
