import { closeSync, fdatasync, openSync } from 'node:fs';

/**
 * Makes SQLite commits durable without blocking the event loop.
 *
 * With `synchronous = FULL`, SQLite fsyncs the write-ahead log inside COMMIT, on the main thread:
 * under a busy disk that was 6–13 ms per commit during which nothing else ran (half of the
 * wall-clock time of the end-to-end benchmark). Instead the connection runs with
 * `synchronous = NORMAL` — a commit writes its WAL frames to the OS but does not sync them; SQLite
 * still syncs the WAL before every checkpoint and when it starts reusing the file, so the database
 * stays consistent — and this class fdatasyncs the WAL file on libuv's thread pool before any write
 * of a committed batch is answered. The guarantee is FULL's: nothing is answered, and no after-commit
 * hook runs, before its commit is on disk.
 *
 * One sync covers every commit written before it started. `afterCommit()` returns a promise that
 * resolves once a sync that started after the call has finished: the one about to start, or, if a
 * sync is already in flight, the next one (shared by every commit that arrives meanwhile).
 */
export class WalSyncer {
  private fd: number | undefined;
  private inFlight: Promise<void> | undefined;
  private next: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;

  constructor(
    private readonly walPath: string,
    private readonly sync: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void = fdatasync,
  ) {}

  afterCommit(): Promise<void> {
    if (!this.inFlight) return this.start();
    if (!this.next) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.next = { promise, resolve, reject };
    }
    return this.next.promise;
  }

  /** Resolves when every sync asked for so far has finished. */
  async drain(): Promise<void> {
    while (this.inFlight || this.next) await (this.next?.promise ?? this.inFlight)!.catch(() => {});
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private start(): Promise<void> {
    const run = new Promise<void>((resolve, reject) => {
      let fd: number;
      try {
        // Opened on first use: the WAL file exists once the first transaction has written to it,
        // and SQLite keeps the same file (it rewinds it after a checkpoint rather than replacing it).
        fd = this.fd ??= openSync(this.walPath, 'r+');
      } catch (err) {
        return reject(err);
      }
      this.sync(fd, (err) => (err ? reject(err) : resolve()));
    });
    this.inFlight = run;
    const settle = () => {
      this.inFlight = undefined;
      const waiting = this.next;
      this.next = undefined;
      if (waiting) this.start().then(waiting.resolve, waiting.reject);
    };
    run.then(settle, settle);
    return run;
  }
}
