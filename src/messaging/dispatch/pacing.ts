/**
 * In-memory pacing of one owned number (limits §2). Both reset when ownership moves; the new owner
 * starts conservative (an empty throughput bucket) and Meta's 131056 covers the pair state it lost.
 */

/**
 * Per-number throughput: a token bucket refilled at `rate`/s up to `capacity`. Inbound messages
 * are debited too (Meta counts them); the bucket may go into debt, down to one second's worth.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;
  constructor(
    private rate: number,
    private capacity: number,
    nowMs: number,
    initial = 0,
  ) {
    this.tokens = initial;
    this.at = nowMs;
  }

  /** Changes rate and capacity from now on (tokens earned until now at the old rate). */
  configure(rate: number, capacity: number, nowMs: number): void {
    this.refill(nowMs);
    this.rate = rate;
    this.capacity = capacity;
    this.tokens = Math.min(this.tokens, capacity);
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.at);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.rate) / 1000);
    this.at = Math.max(this.at, nowMs);
  }

  tryTake(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  refund(n = 1): void {
    this.tokens = Math.min(this.capacity, this.tokens + n);
  }

  debit(n: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens = Math.max(-this.rate, this.tokens - n);
  }

  /** After a 130429: Meta's view is fuller than ours; pause half a second. */
  drain(nowMs: number): void {
    this.refill(nowMs);
    this.tokens = Math.min(this.tokens, -this.rate / 2);
  }

  /** When one token will be available (ms). */
  nextTokenAt(nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens >= 1) return nowMs;
    return nowMs + Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }
}

/**
 * The share of a number's throughput the dispatcher sends at. Meta counts a customer's message
 * against the same limit the moment it is sent, but the dispatcher hears of it only once its
 * webhook is processed; the headroom absorbs what arrives in that lag. It is needed only while
 * customers write in, so it follows their recent rate: none with no inbound traffic (a broadcast
 * nobody answers runs at the full throughput), twice the inbound rate as it grows, never below
 * `floor` (SAMVAD_DISPATCH_THROUGHPUT_PERCENT). After a 130429 the floor holds for a while:
 * Meta's view was fuller than ours.
 */
export class AdaptiveShare {
  private inbound = 0;
  private at: number | undefined;
  private throttledUntil = -Infinity;
  constructor(
    private readonly floor: number,
    private readonly tauMs = 5_000,
    private readonly holdMs = 30_000,
  ) {}

  /** Inbound messages the number received (debited from its bucket). */
  addInbound(n: number, nowMs: number): void {
    this.decay(nowMs);
    this.inbound += (n * 1000) / this.tauMs;
  }

  /** Meta answered 130429. */
  throttled(nowMs: number): void {
    this.throttledUntil = nowMs + this.holdMs;
  }

  share(mps: number, nowMs: number): number {
    if (nowMs < this.throttledUntil) return this.floor;
    this.decay(nowMs);
    return Math.max(this.floor, Math.min(1, 1 - (2 * this.inbound) / Math.max(1, mps)));
  }

  /** Exponentially decayed rate (messages/s, time constant tauMs). */
  private decay(nowMs: number): void {
    if (this.at !== undefined && nowMs > this.at) this.inbound *= Math.exp(-(nowMs - this.at) / this.tauMs);
    this.at = Math.max(this.at ?? nowMs, nowMs);
  }
}

/**
 * Pair rate per (number, recipient), as the limits reference models Meta's text: one message per
 * `intervalMs` (6 s), bursts borrowing up to `burst` (45) messages of future quota. Virtual-time
 * debt: each send pushes `next` by one interval; a send may go while the debt stays within
 * burst × interval, less a safety margin for clock skew between us and Meta.
 */
export class PairRate {
  private readonly next = new Map<string, number>();
  constructor(
    private readonly intervalMs = 6_000,
    private readonly burst = 45,
    private readonly marginMs = 1_000,
  ) {}

  /** 0 if a send to `recipient` may go now, else how long to wait. */
  waitMs(recipient: string, nowMs: number): number {
    const base = Math.max(nowMs, this.next.get(recipient) ?? nowMs);
    const debt = base + this.intervalMs - nowMs;
    const allowed = this.burst * this.intervalMs - this.marginMs;
    return debt <= allowed ? 0 : debt - allowed;
  }

  take(recipient: string, nowMs: number): void {
    this.next.set(recipient, Math.max(nowMs, this.next.get(recipient) ?? nowMs) + this.intervalMs);
    if (this.next.size > 100_000) for (const [k, v] of this.next) if (v <= nowMs) this.next.delete(k);
  }

  /** After a 131056: Meta thinks the pair is over its burst; treat the full burst as used. */
  exhaust(recipient: string, nowMs: number): void {
    this.next.set(recipient, Math.max(this.next.get(recipient) ?? nowMs, nowMs + this.burst * this.intervalMs));
  }
}

/**
 * Retry delay (ms) for a retryable answer on the given attempt (1 = first failure): the pair-rate
 * error follows Meta's advice, 4^X seconds (X from 0); everything else exponential from 1 s with
 * jitter, capped at 5 minutes. A Retry-After from the channel wins.
 */
export function retryDelayMs(code: number, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) return retryAfterMs;
  const x = Math.max(0, attempt - 1);
  if (code === 131056) return 4 ** Math.min(x, 6) * 1_000;
  const base = Math.min(300_000, 1_000 * 2 ** Math.min(x, 20));
  return Math.round(base * (0.5 + random() * 0.5));
}
