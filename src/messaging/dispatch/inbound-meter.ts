import type { Database } from '../../platform/db/database.ts';

/**
 * Meta counts inbound messages against a number's throughput (limits §2.1). Inbound recording
 * reports them here after its commit (`inboundMeter.debit`), in whatever process ran the webhook
 * job; the dispatcher that owns the number may run in another process. So every process relays
 * its debits on a database notification channel (pg_notify on PostgreSQL, the in-process bus on
 * SQLite), and every dispatcher listens there and debits the bucket of the numbers it owns.
 *
 * Debits are summed per number for one event-loop turn before they are sent: a webhook POST
 * carries up to a hundred messages, and one notification per message would load PostgreSQL for
 * nothing. A lost notification (a process dying between commit and send) costs a few tokens of
 * accuracy, which the dispatcher's margin below the number's throughput absorbs.
 */
export const INBOUND_CHANNEL = 'samvad_inbound_debits';

type Listener = (numberId: string, n: number) => void;

const listeners = new Set<Listener>();

export const inboundMeter = {
  debit(numberId: string, n: number): void {
    if (n <= 0) return;
    for (const l of listeners) l(numberId, n);
  },
  subscribe(l: Listener): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

/** One notification payload: `numberId n` pairs, one per line. */
export function encodeDebits(debits: Map<string, number>): string {
  return [...debits].map(([id, n]) => `${id} ${n}`).join('\n');
}

export function decodeDebits(payload: string): [string, number][] {
  const out: [string, number][] = [];
  for (const line of payload.split('\n')) {
    const [id, n] = line.split(' ');
    const count = Number(n);
    if (id && Number.isInteger(count) && count > 0) out.push([id, count]);
  }
  return out;
}

/**
 * Sends this process's inbound debits to every dispatcher of the deployment (see above). Start
 * once per process and database; returns the stop function.
 */
export function relayInboundDebits(database: Database, onError: (err: unknown) => void): () => void {
  let pending = new Map<string, number>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = new Map();
    database.notifications.notify(INBOUND_CHANNEL, encodeDebits(batch)).catch(onError);
  };
  return inboundMeter.subscribe((numberId, n) => {
    pending.set(numberId, (pending.get(numberId) ?? 0) + n);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
}
