import autocannon from 'autocannon';
import type { ScenarioTarget } from './scenario.ts';

export interface LoadOptions {
  durationSeconds: number;
  connections: number;
  pipelining: number;
  /** autocannon worker threads; 0 runs the load generator on the harness's main thread. */
  workers: number;
}

/** One autocannon run, reduced to the figures the harness reports and checks. */
export interface RoundResult {
  durationSeconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Connection errors and timeouts (autocannon counts timeouts among errors). */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Responses whose status differs from the target's expectStatus (or non-2xx without one). */
  unexpectedStatuses: number;
  statusCodes: Record<string, number>;
}

/**
 * A scenario may vary each request (distinct recipients, unique Idempotency-Keys): autocannon
 * calls this before every request with {method, path, headers, body}. Functions cannot cross to
 * worker threads, so such scenarios run with --workers 0 (the default).
 */
export type RequestSetup = (req: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }) => typeof req;

export async function runLoad(target: ScenarioTarget & { setupRequest?: RequestSetup }, options: LoadOptions): Promise<RoundResult> {
  const result = await autocannon({
    ...(target.setupRequest ? { requests: [{ setupRequest: target.setupRequest as never }] } : {}),
    url: target.url,
    method: target.method,
    headers: target.headers,
    ...(target.body !== undefined ? { body: target.body } : {}),
    connections: options.connections,
    pipelining: options.pipelining,
    duration: options.durationSeconds,
    ...(options.workers > 0 ? { workers: options.workers } : {}),
    timeout: 10,
  });
  const statusCodes: Record<string, number> = {};
  let answered = 0;
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = count;
    answered += count;
  }
  const expected =
    target.expectStatus !== undefined
      ? (statusCodes[String(target.expectStatus)] ?? 0)
      : answered - result.non2xx;
  const requests = result.requests.total;
  return {
    durationSeconds: result.duration,
    requests,
    requestsPerSecond: result.duration > 0 ? requests / result.duration : 0,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    unexpectedStatuses: answered - expected,
    statusCodes,
  };
}
