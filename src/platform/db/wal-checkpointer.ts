import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from '../logger.ts';

export interface WalCheckpointerOptions {
  /** How often the worker checkpoints when something was written. Default 200 ms. */
  intervalMs?: number;
  /**
   * WAL length (frames, one page each) from which the writer lets a checkpoint finish before its
   * next transaction (catchUp), so the WAL rewinds. Default 16,384 (64 MiB of 4 KiB pages).
   */
  rewindFrames?: number;
  /** Least time between two such waits, in case something (a long reader) keeps the WAL from rewinding. Default 1 s. */
  rewindIntervalMs?: number;
}

/**
 * Checkpoints the write-ahead log from a worker thread with its own connection, so that the main
 * connection never does it inside a COMMIT. SQLite's automatic checkpoint runs in whichever
 * connection commits past 1,000 WAL pages: it copies pages into the database and fsyncs both files
 * on the event loop (tens of milliseconds on a busy disk, every few dozen batches). A PASSIVE
 * checkpoint in another connection never blocks the writer; once it has copied every frame, the
 * writer's next transaction rewinds the WAL by itself. Under writes that never pause that moment
 * does not come by itself: see wantsCatchUp().
 *
 * If the worker cannot start or fails, the main connection gets its automatic checkpoint back.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private busy = false;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private settledWaiters: (() => void)[] = [];
  /** Waiting for a checkpoint that starts after they asked (catchUp). */
  private catchUpWaiters: (() => void)[] = [];
  /** The catchUp() callers the running checkpoint answers. */
  private runningFor: (() => void)[] = [];
  /** Frames in the WAL at the last checkpoint (SQLite's `log`). */
  private walFrames = 0;
  private nextRewindAt = 0;
  private readonly rewindFrames: number;
  private readonly rewindIntervalMs: number;

  constructor(
    private readonly raw: BetterSqlite3.Database,
    path: string,
    private readonly logger: Logger,
    options: WalCheckpointerOptions = {},
  ) {
    this.rewindFrames = options.rewindFrames ?? 16_384;
    this.rewindIntervalMs = options.rewindIntervalMs ?? 1_000;
    try {
      const require = createRequire(import.meta.url);
      this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: require.resolve('better-sqlite3'), path } });
      this.worker.unref();
      this.worker.on('message', (m: { ok: boolean; error?: string; log?: number }) => {
        this.busy = false;
        if (!m.ok) this.logger.warn({ error: m.error }, 'WAL checkpoint failed; will try again');
        if (typeof m.log === 'number') this.walFrames = m.log;
        const done = this.runningFor;
        this.runningFor = [];
        for (const resolve of done) resolve();
        if (this.catchUpWaiters.length > 0) this.run();
        this.notifySettled();
      });
      this.worker.on('error', (err) => this.fallBack(err));
      this.raw.pragma('wal_autocheckpoint = 0');
      this.timer = setInterval(() => this.tick(), options.intervalMs ?? 200);
      this.timer.unref();
    } catch (err) {
      this.fallBack(err);
    }
  }

  /** A commit wrote to the WAL: the next tick checkpoints. */
  written(): void {
    this.dirty = true;
  }

  /**
   * Whether the writer should let a checkpoint finish before its next transaction. A PASSIVE
   * checkpoint copies the frames that exist when it starts; under a steady stream of commits there
   * is always a newer one, so the WAL never reaches the state in which the next write transaction
   * rewinds it, and grows for as long as the writes go on (756 MB in a 40,000-message broadcast).
   * Past `rewindFrames`, the writer waits for one checkpoint with nothing written meanwhile.
   */
  wantsCatchUp(nowMs: number): boolean {
    return this.worker !== undefined && this.walFrames >= this.rewindFrames && nowMs >= this.nextRewindAt;
  }

  /** Resolves when a checkpoint that started after this call has finished (at once without a worker). */
  catchUp(nowMs: number): Promise<void> {
    this.nextRewindAt = nowMs + this.rewindIntervalMs;
    if (!this.worker) return Promise.resolve();
    return new Promise((resolve) => {
      this.catchUpWaiters.push(resolve);
      if (!this.busy) this.run();
    });
  }

  /**
   * Resolves once every write reported so far has been through a checkpoint (tests: the WAL is
   * then rewound by the next commit). Resolves at once without a worker.
   */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      this.settledWaiters.push(resolve);
      this.notifySettled();
    });
  }

  private notifySettled() {
    if (this.worker && (this.busy || this.dirty)) return;
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const w of waiters) w();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const w = this.worker;
    this.worker = undefined;
    if (!w) return;
    // The worker closes its connection and exits; the main connection, closed last, then does the
    // final checkpoint and removes the WAL.
    await new Promise<void>((resolve) => {
      const timeout = setTimeout(() => void w.terminate().then(() => resolve()), 5_000);
      w.once('exit', () => {
        clearTimeout(timeout);
        resolve();
      });
      w.postMessage('close');
    });
    for (const resolve of [...this.runningFor, ...this.catchUpWaiters]) resolve();
    this.runningFor = [];
    this.catchUpWaiters = [];
  }

  private tick() {
    if (!this.worker || this.busy || !this.dirty) return;
    this.run();
  }

  private run() {
    if (!this.worker) return;
    this.busy = true;
    this.dirty = false;
    this.runningFor = this.catchUpWaiters;
    this.catchUpWaiters = [];
    this.worker.postMessage('checkpoint');
  }

  private fallBack(err: unknown) {
    this.logger.warn({ err }, 'WAL checkpoints moved back to the main connection (worker unavailable)');
    if (this.timer) clearInterval(this.timer);
    this.worker = undefined;
    this.raw.pragma('wal_autocheckpoint = 1000');
    for (const resolve of [...this.runningFor, ...this.catchUpWaiters]) resolve();
    this.runningFor = [];
    this.catchUpWaiters = [];
    this.notifySettled();
  }
}

// CommonJS, evaluated in the worker (no TypeScript loader there).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
// NORMAL: the checkpoint syncs the WAL before copying it and the database after.
db.pragma('synchronous = NORMAL');
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    process.exit(0);
  }
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ ok: true, log: r ? r.log : 0 });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String(e && e.message || e) });
  }
});
`;
