/**
 * Meta counts inbound messages against a number's throughput (limits §2.1). Inbound recording
 * reports them here after its commit; the dispatcher that owns the number (in this process)
 * debits its token bucket. Process-wide on purpose: inbound recording runs in the webhook job,
 * not in the dispatcher.
 *
 * Known gap: when the webhook job runs in a different worker process than the number's
 * dispatcher (scaled-out deployments), the debit does not reach it; the dispatcher's safety
 * margin (it paces below the number's throughput) absorbs moderate inbound traffic.
 */
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
