import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window frees a request (for Retry-After). */
  retryAfterMs: number;
}

/**
 * Fixed-window request counting per key (a workspace), per minute. The embedded implementation
 * keeps counters in process memory (rate-limiter-flexible's memory store); the scale-out issue
 * adds a Redis-backed one behind the same interface so all API processes share one count.
 */
export interface RateLimiter {
  consume(key: string, limitPerMinute: number): Promise<RateDecision>;
}

export function createMemoryRateLimiter(): RateLimiter {
  // One limiter per distinct limit: a workspace's plan change moves it to another counter.
  const limiters = new Map<number, RateLimiterMemory>();
  const limiterFor = (points: number) => {
    let l = limiters.get(points);
    if (!l) {
      l = new RateLimiterMemory({ points, duration: 60, keyPrefix: `rl${points}` });
      limiters.set(points, l);
    }
    return l;
  };
  return {
    async consume(key, limitPerMinute) {
      try {
        const res = await limiterFor(limitPerMinute).consume(key, 1);
        return { allowed: true, limit: limitPerMinute, remaining: res.remainingPoints, retryAfterMs: res.msBeforeNext };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return { allowed: false, limit: limitPerMinute, remaining: 0, retryAfterMs: rejection.msBeforeNext };
        }
        throw rejection;
      }
    },
  };
}
