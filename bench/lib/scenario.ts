/**
 * The contract every file in bench/scenarios/ default-exports. The harness discovers them by
 * file name, calls setup() (which typically starts a server in a child process with
 * ./spawn.ts), drives the returned request with autocannon, then calls teardown().
 *
 * A scenario that is not an HTTP request path (the job queue) gives run() instead of setup():
 * the harness calls it once per measured round, instead of autocannon, and reports the median
 * over rounds of every figure it returns.
 */
export interface Scenario {
  /** Unique, kebab-case; what `--scenario NAME` selects. */
  name: string;
  description: string;
  /** HTTP scenarios: start what you measure; the harness loads the returned request. */
  setup?(): Promise<ScenarioTarget>;
  /** Non-HTTP scenarios: one measured round (do heavy work in a child process); throw to fail. */
  run?(): Promise<ScenarioFigures>;
}

/** Figures of one round of a run() scenario, by name ("jobs/s", "p99 ms"); numbers get medians. */
export type ScenarioFigures = Record<string, number | string>;

export interface ScenarioTarget {
  /** Full URL of the request under load. */
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Status every response must have; without it, every response must be 2xx. */
  expectStatus?: number;
  /**
   * Optional: figures beyond req/s (e.g. an end-to-end phase of its own), taken after the last
   * measured round and before teardown(); printed under the table and kept in the results file.
   * Throw to fail the scenario.
   */
  extraReport?(): Promise<ScenarioFigures>;
  teardown(): Promise<void>;
}

export function isScenario(value: unknown): value is Scenario {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.name === 'string' &&
    typeof v.description === 'string' &&
    (typeof v.setup === 'function' || typeof v.run === 'function')
  );
}
