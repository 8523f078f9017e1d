import { hostname } from 'node:os';
import { sleepUntil, type Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { randomUUID } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import { DISPATCH_CHANNEL } from './enqueue-dispatch.ts';
import { decodeDebits, INBOUND_CHANNEL, relayInboundDebits } from './inbound-meter.ts';
import { acquireLease, liveLeases, releaseLease, renewLease } from './lease.ts';
import { NumberRunner, type RunnerSettings } from './number-runner.ts';
import { numbersWithWork } from './queue-reads.ts';
import { emptyStats, type DispatchStats, type LoadNumber, type SendChannel } from './types.ts';

export interface DispatcherOptions extends Partial<RunnerSettings> {
  database: Database;
  clock: Clock;
  logger: Logger;
  channel: SendChannel;
  loadNumber: LoadNumber;
  workerId?: string;
  /** stop(): how long in-flight sends may finish before the lease is left to expire. Default 5 s. */
  shutdownGraceMs?: number;
  random?: () => number;
}

export interface Dispatcher {
  /** Begins owning numbers with queued messages and dispatching them (worker roles). */
  start(): void;
  /** Resolves once listening for wake-ups and after the first look for work. */
  ready(): Promise<void>;
  /** New work for a number was committed: wake its runner here, and other processes via NOTIFY. */
  wake(numberId?: string): void;
  /** Stops starting sends, lets in-flight sends finish (grace), releases leases. */
  stop(): Promise<void>;
  stats(): DispatchStats;
  /** Numbers this dispatcher owns right now. */
  owned(): string[];
  readonly workerId: string;
}

const DEFAULTS: RunnerSettings = {
  leaseMs: 10_000,
  pollMs: 1_000,
  batchSize: 100,
  maxInFlight: 64,
  throughputShare: 0.9,
  burstSeconds: 0.25,
  pairIntervalMs: 6_000,
  pairBurst: 45,
  idleReleaseMs: 30_000,
  numberRefreshMs: 5_000,
};

/**
 * The dispatcher (DESIGN.md §2 "Dispatch"): finds numbers with queued messages, takes each one's
 * lease if no live worker holds it, runs a NumberRunner per owned number, renews the leases while
 * it works (a dead worker's numbers are taken over once its lease expires: `leaseMs`, 10 s by
 * default), and wakes on enqueue (in-process and LISTEN/NOTIFY), on clock jumps and on a poll.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { database, clock } = options;
  const settings: RunnerSettings = { ...DEFAULTS, ...pick(options) };
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const logger = options.logger.child({ component: 'dispatcher', workerId });
  const stats = emptyStats();
  const runners = new Map<string, NumberRunner>();
  /** Runners that ended but still have sends in flight: their number is not re-acquired meanwhile. */
  const draining = new Map<string, NumberRunner>();
  let running = false;
  let loopDone: Promise<void> | undefined;
  let sleeper: AbortController | undefined;
  let wakeRequested = false;
  let cleanups: (() => void | Promise<void>)[] = [];
  let markReady: () => void = () => {};
  let readyPromise: Promise<void> = Promise.resolve();
  let notifying = false;
  let notifyAgain = false;

  const wakeLocal = (numberId?: string) => {
    const r = numberId ? runners.get(numberId) : undefined;
    if (r) r.wake();
    else {
      for (const x of numberId ? [] : runners.values()) x.wake();
      wakeRequested = true;
      sleeper?.abort();
    }
  };

  const notify = () => {
    if (notifying) {
      notifyAgain = true;
      return;
    }
    notifying = true;
    database.notifications
      .notify(DISPATCH_CHANNEL)
      .catch((err: unknown) => logger.warn({ err }, 'dispatch NOTIFY failed; dispatchers fall back to polling'))
      .finally(() => {
        notifying = false;
        if (notifyAgain) {
          notifyAgain = false;
          notify();
        }
      });
  };

  const runnerEnded = (r: NumberRunner) => {
    if (runners.get(r.numberId) === r) runners.delete(r.numberId);
    if (r.endReason === 'idle') {
      void releaseLease(database, r.lease).catch((err: unknown) => logger.warn({ err, numberId: r.numberId }, 'could not release an idle lease'));
      return;
    }
    if (r.inFlightCount > 0) {
      draining.set(r.numberId, r);
      void r.drain(60_000).finally(() => {
        if (draining.get(r.numberId) === r) draining.delete(r.numberId);
      });
    }
  };

  const discover = async () => {
    const now = clock.nowMs();
    const candidates = await numbersWithWork(database);
    const held = await liveLeases(database, now);
    for (const numberId of candidates) {
      if (!running) return;
      if (runners.has(numberId) || draining.has(numberId)) continue;
      if (held.has(numberId)) continue;
      const lease = await acquireLease(database, numberId, workerId, clock.nowMs(), settings.leaseMs);
      if (!lease) continue;
      if (lease.orphaned > 0) {
        stats.orphaned += lease.orphaned;
        stats.unknown += lease.orphaned;
        logger.warn({ numberId, orphaned: lease.orphaned }, 'took over a number: sends left in flight by the previous owner are marked unknown (not resent)');
      } else logger.info({ numberId }, 'took the dispatch lease of a number');
      const runner = new NumberRunner({ database, clock, logger, channel: options.channel, loadNumber: options.loadNumber, stats, settings, random: options.random ?? Math.random }, lease, runnerEnded);
      runners.set(numberId, runner);
      runner.start();
    }
  };

  const renewAll = async () => {
    for (const r of [...runners.values()]) {
      try {
        const ok = await renewLease(database, r.lease, clock.nowMs(), settings.leaseMs);
        if (!ok) await r.halt('lost');
      } catch (err) {
        logger.warn({ err, numberId: r.numberId }, 'could not renew a dispatch lease');
      }
    }
  };

  const loop = async () => {
    while (running) {
      wakeRequested = false;
      try {
        await discover();
      } catch (err) {
        logger.error({ err }, 'looking for numbers to dispatch failed');
      }
      markReady();
      if (!running || wakeRequested) continue;
      const ctrl = new AbortController();
      sleeper = ctrl;
      await sleepUntil(clock, clock.nowMs() + settings.pollMs, ctrl.signal);
      if (sleeper === ctrl) sleeper = undefined;
    }
  };

  return {
    workerId,
    start() {
      if (running) return;
      running = true;
      readyPromise = new Promise((r) => (markReady = r));
      const offJump = clock.onJump(() => wakeLocal());
      // Inbound messages recorded in any process debit the bucket of the number this one owns;
      // this process runs webhook jobs too (every non-API role does), so it relays its own.
      const offRelay = relayInboundDebits(database, (err) => logger.warn({ err }, 'could not send inbound debits to the dispatchers'));
      const inbound = database.notifications
        .listen(INBOUND_CHANNEL, (payload) => {
          for (const [numberId, n] of decodeDebits(payload)) runners.get(numberId)?.debitInbound(n);
        })
        .catch((err: unknown) => {
          logger.warn({ err }, 'could not LISTEN for inbound debits; pacing will not count inbound messages');
          return undefined;
        });
      const listening = database.notifications.listen(DISPATCH_CHANNEL, () => wakeLocal()).catch((err: unknown) => {
        logger.warn({ err }, 'could not LISTEN for dispatch wake-ups; polling only');
        return undefined;
      });
      // Renewal runs on the same clock as the leases' expiry, so a clock moved forward (tests,
      // SAMVAD_TEST_CLOCK) cannot let a live owner's lease lapse between two renewals.
      const renewCtrl = new AbortController();
      const renewEvery = Math.max(50, Math.floor(settings.leaseMs / 3));
      const renewing = (async () => {
        while (!renewCtrl.signal.aborted) {
          await sleepUntil(clock, clock.nowMs() + renewEvery, renewCtrl.signal);
          if (!renewCtrl.signal.aborted) await renewAll();
        }
      })();
      cleanups = [() => void offJump(), () => offRelay(), async () => void (await (await inbound)?.()), async () => (renewCtrl.abort(), await renewing), async () => void (await (await listening)?.())];
      loopDone = listening.then(() => loop());
    },
    ready: () => readyPromise,
    wake(numberId) {
      wakeLocal(numberId);
      notify();
    },
    async stop() {
      if (!running) return;
      running = false;
      sleeper?.abort();
      await loopDone;
      const all = [...runners.values()];
      await Promise.all(all.map((r) => r.halt('stopped')));
      const grace = options.shutdownGraceMs ?? 5_000;
      await Promise.all(
        all.map(async (r) => {
          if (await r.drain(grace)) await releaseLease(database, r.lease).catch(() => {});
          else logger.warn({ numberId: r.numberId, inFlight: r.inFlightCount }, 'sends still in flight at shutdown; the next owner marks them unknown');
        }),
      );
      for (const c of cleanups.splice(0)) await c();
    },
    stats: () => ({ ...stats }),
    owned: () => [...runners.keys()],
  };
}

function pick(o: Partial<RunnerSettings>): Partial<RunnerSettings> {
  const out: Partial<RunnerSettings> = {};
  for (const k of Object.keys(DEFAULTS) as (keyof RunnerSettings)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
