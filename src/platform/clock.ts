/**
 * One clock per process (DESIGN.md §6). Every time rule — service windows, retries, schedules,
 * leases — reads this clock and passes the value into SQL as a parameter; SQL never calls now().
 *
 * The movable clock is real time plus an offset: it keeps flowing on its own, and `advance()`
 * jumps it forward so a test covers 24 hours in milliseconds. Only a clock created with
 * `movable: true` (SAMVAD_TEST_CLOCK=1) can be moved; the system clock refuses, so no request
 * can move production time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs(): number;
  now(): Date;
  readonly movable: boolean;
  /** Moves the clock forward by `ms` (movable clocks only). */
  advance(ms: number): void;
  /** Subscribes to jumps of the clock (so sleepers re-check what became due). */
  onJump(listener: (offsetMs: number) => void): () => void;
}

export class ClockNotMovableError extends Error {
  readonly code = 'clock_not_movable';
  constructor() {
    super('The clock can be moved only when SAMVAD_TEST_CLOCK=1');
  }
}

export function createClock(options: { movable?: boolean; startOffsetMs?: number } = {}): Clock {
  let offset = options.startOffsetMs ?? 0;
  const movable = options.movable === true;
  const listeners = new Set<(offsetMs: number) => void>();
  return {
    movable,
    nowMs: () => Date.now() + offset,
    now: () => new Date(Date.now() + offset),
    advance(ms: number) {
      if (!movable) throw new ClockNotMovableError();
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance() takes a non-negative number of milliseconds');
      offset += ms;
      for (const l of listeners) l(offset);
    },
    onJump(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Sleeps for `ms` of clock time: resolves early when the clock jumps past the deadline, or when
 * `wake` is called (new work committed), or when the signal aborts.
 */
export function sleepUntil(clock: Clock, deadlineMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      off();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const remaining = Math.max(0, deadlineMs - clock.nowMs());
    const timer = setTimeout(done, Math.min(remaining, 2 ** 31 - 1));
    const off = clock.onJump(() => {
      if (clock.nowMs() >= deadlineMs) done();
    });
    signal?.addEventListener('abort', done, { once: true });
  });
}
