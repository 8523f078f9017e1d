/**
 * Retry delay after the n-th failed attempt: 10 s doubling up to 6 hours, with ±25% jitter so
 * deliveries that failed together (a receiver outage) do not return together.
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(6 * 3_600_000, 10_000 * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
  return Math.round(base * (0.75 + random() * 0.5));
}
