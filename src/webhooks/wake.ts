/**
 * Wake-ups for the deliverer once events are committed. `recordEvents` runs inside another
 * module's transaction and has no handle on the process's Database, so each started app
 * registers a notifier here (in-process bus on SQLite, NOTIFY on PostgreSQL, reaching deliverers
 * in other processes). A spurious wake-up costs one empty claim; a missed one waits for the poll.
 */
export const WEBHOOKS_CHANNEL = 'samvad_webhooks';

const notifiers = new Set<() => void>();

export function registerWebhookNotifier(fn: () => void): () => void {
  notifiers.add(fn);
  return () => notifiers.delete(fn);
}

export function notifyEventsCommitted(): void {
  for (const fn of notifiers) {
    try {
      fn();
    } catch {
      // a wake-up is an optimisation; the deliverer's poll covers a failed one
    }
  }
}

/** Coalesces NOTIFYs: at most one in flight, and one more after it if events came meanwhile. */
export function coalescing(send: () => Promise<void>, onError: (err: unknown) => void): () => void {
  let inFlight = false;
  let again = false;
  const run = () => {
    inFlight = true;
    again = false;
    send()
      .catch(onError)
      .finally(() => {
        inFlight = false;
        if (again) run();
      });
  };
  return () => {
    if (inFlight) again = true;
    else run();
  };
}
