/**
 * The contract every file in bench/scenarios/ default-exports. The harness discovers them by
 * file name, calls setup() (which typically starts a server in a child process with
 * ./spawn.ts), drives the returned request with autocannon, then calls teardown().
 */
export interface Scenario {
  /** Unique, kebab-case; what `--scenario NAME` selects. */
  name: string;
  description: string;
  setup(): Promise<ScenarioTarget>;
}

export interface ScenarioTarget {
  /** Full URL of the request under load. */
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Status every response must have; without it, every response must be 2xx. */
  expectStatus?: number;
  teardown(): Promise<void>;
}

export function isScenario(value: unknown): value is Scenario {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.description === 'string' && typeof v.setup === 'function';
}
