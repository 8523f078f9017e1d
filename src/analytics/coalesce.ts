/**
 * Shares one computation among identical concurrent requests, without ever answering a request
 * with data read before it arrived: a caller joins the run that has not started yet, or else
 * waits for the *next* run, which starts when the current one ends and serves everyone who
 * arrived meanwhile. Under load a report is then computed about once per its own duration
 * instead of once per request (50 dashboards asking for the same 30-day report share one scan).
 * One process's memory; nothing is kept after a run ends.
 */
export class Coalescer<T> {
  private readonly runs = new Map<string, { running: Promise<T> | undefined; pending: Promise<T> | undefined }>();

  run(key: string, fn: () => Promise<T>): Promise<T> {
    let entry = this.runs.get(key);
    if (!entry) this.runs.set(key, (entry = { running: undefined, pending: undefined }));
    if (entry.pending) return entry.pending;
    const e = entry;
    const ignore = () => undefined;
    // A run starts on a later turn of the event loop, not now: with a synchronous driver
    // (better-sqlite3) a run blocks the loop, so requests that arrived meanwhile are read only
    // after it; starting after the poll phase lets every request read in that turn join it.
    const before = e.running ? e.running.then(ignore, ignore) : Promise.resolve();
    const p: Promise<T> = before
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        e.pending = undefined;
        e.running = p;
        return fn();
      });
    e.pending = p;
    const done = () => {
      if (e.running === p) e.running = undefined;
      if (!e.running && !e.pending && this.runs.get(key) === e) this.runs.delete(key);
    };
    p.then(done, done);
    return p;
  }

  /** Keys with a run in flight or waiting (tests). */
  size(): number {
    return this.runs.size;
  }
}
