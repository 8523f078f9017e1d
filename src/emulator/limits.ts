/**
 * Rate limits kept in memory (they reset on restart, as a throttle may): per-number throughput,
 * per-(number, recipient) pair rate, and per-WABA management calls. Reference:
 * cloud-api-limits.md §2.
 */

/**
 * Per-number throughput (§2.1): a token bucket of capacity = rate = mps, counting inbound and
 * outbound messages. Inbound messages cannot be refused, so they may drive the bucket into debt.
 */
export class ThroughputLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  private refill(key: string, mps: number, now: number): { tokens: number; at: number } {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: mps, at: now };
      this.buckets.set(key, b);
      return b;
    }
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(mps, b.tokens + (elapsed * mps) / 1000);
    b.at = now;
    return b;
  }

  /** Takes one token for an outbound send; false when the number is over its throughput. */
  tryTake(numberId: string, mps: number, now: number): boolean {
    const b = this.refill(numberId, mps, now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Counts an inbound message (never refused). */
  charge(numberId: string, mps: number, now: number): void {
    const b = this.refill(numberId, mps, now);
    b.tokens = Math.max(-mps, b.tokens - 1);
  }

  reset(numberId?: string): void {
    if (numberId) this.buckets.delete(numberId);
    else this.buckets.clear();
  }
}

/**
 * Pair rate limit (§2.2): 1 message per 6 s to the same user, with bursts of up to 45 that borrow
 * from future quota. Modelled as virtual-time debt: each send pushes `next` by 6 s; a send is
 * refused (131056) when the debt would exceed 45 × 6 s.
 */
export class PairRateLimiter {
  private readonly next = new Map<string, number>();
  constructor(
    private readonly intervalMs = 6000,
    private readonly burst = 45,
  ) {}

  tryTake(numberId: string, waId: string, now: number): boolean {
    const key = numberId + ':' + waId;
    const base = Math.max(now, this.next.get(key) ?? now);
    const after = base + this.intervalMs;
    if (after - now > this.burst * this.intervalMs) return false;
    this.next.set(key, after);
    if (this.next.size > 200_000) this.prune(now);
    return true;
  }

  private prune(now: number): void {
    for (const [k, v] of this.next) if (v <= now) this.next.delete(k);
  }

  reset(): void {
    this.next.clear();
  }
}

/** Graph management calls per WABA per rolling hour (§2.3) → 80007. */
export class ManagementCallLimiter {
  private readonly calls = new Map<string, number[]>();

  tryTake(wabaId: string, perHour: number, now: number): boolean {
    let list = this.calls.get(wabaId);
    if (!list) {
      list = [];
      this.calls.set(wabaId, list);
    }
    const from = now - 3_600_000;
    let drop = 0;
    while (drop < list.length && list[drop]! <= from) drop++;
    if (drop) list.splice(0, drop);
    if (list.length >= perHour) return false;
    list.push(now);
    return true;
  }

  reset(): void {
    this.calls.clear();
  }
}
