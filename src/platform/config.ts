import { resolve } from 'node:path';

/**
 * Configuration comes from command-line flags (highest), then environment variables, then
 * defaults. Every value is validated at start; a bad value stops the process with one line per
 * problem naming the variable and what it accepts (`PORT=abc: must be an integer 0–65535`).
 * `.env.example` lists every variable; keep the two in step (a test checks that).
 */
export type Role = 'all' | 'api' | 'worker';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  role: Role;
  publicUrl: string;
  logLevel: string;
  apiKey: string | undefined;
  adminToken: string | undefined;
  workspaceName: string;
  defaultRateLimitPerMinute: number;
  testClock: boolean;
  groupCommitMs: number;
  shutdownTimeoutMs: number;
  bodyLimitBytes: number;
  jobBatchSize: number;
  jobLeaseMs: number;
  jobConcurrency: number;
  retention: RetentionConfig;
  sandbox: 'auto' | 'on' | 'off';
  /** Time to live of queued outbound messages other than authentication templates (10 min). */
  messageTtlMs: number;
  /** Share of a number's Meta throughput the dispatcher sends at (0.5–1). */
  dispatchThroughputShare: number;
  /** SAMVAD_SECRET_KEY (32 bytes, hex or base64): seals number secrets, signs media URLs. See channels/whatsapp/secret-box.ts. */
  secretKey: string | undefined;
  /** Outbound webhooks (src/webhooks). */
  webhooks: WebhooksConfig;
  /** How far the JavaScript heap may grow past its live data, in percent; 0: V8's own heuristic (platform/heap-growth.ts). */
  heapGrowthPercent: number;
  /** SQLite page cache of the main connection, in MiB. */
  sqliteCacheMb: number;
}

export interface WebhooksConfig {
  /** Let webhook URLs point at private and loopback addresses (local receivers, tests). */
  allowPrivate: boolean;
  timeoutMs: number;
  /** How long a delivery is retried before it is dead-lettered. */
  retryMs: number;
  /** An endpoint failing continuously this long is disabled and the workspace told. */
  disableAfterMs: number;
  /** Requests in flight per endpoint. */
  concurrencyPerEndpoint: number;
}

/** Days each kind of accumulating data is kept before the pruning job removes it. */
export interface RetentionConfig {
  rawProviderWebhooksDays: number;
  webhookDeliveriesDays: number;
  eventFeedDays: number;
  jobHistoryDays: number;
  mediaDays: number;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/** Flags that override their environment variable. */
export interface ConfigFlags {
  port?: string | number;
  dataDir?: string;
  role?: string;
  host?: string;
}

/** The variables we read, with the text .env.example carries for each. */
export const ENV_VARS = {
  PORT: 'HTTP port (0–65535; 0 picks a free one). Default 3000.',
  HOST: 'Address to listen on. Default 127.0.0.1; use 0.0.0.0 behind a reverse proxy or in a container.',
  SAMVAD_DATA_DIR: 'Folder for the embedded SQLite database, the emulator store and media. Default ./data.',
  DATABASE_URL: 'postgres://user:pass@host:5432/db to use PostgreSQL instead of the embedded SQLite.',
  REDIS_URL: 'redis://host:6379 for shared rate limits and realtime fan-out when running several processes.',
  SAMVAD_ROLE: 'all (API + workers, default), api (HTTP only) or worker (background jobs only).',
  SAMVAD_PUBLIC_URL: "Externally reachable base URL (Meta's callback, media and tracked links, invitations). Default http://localhost:PORT.",
  LOG_LEVEL: 'fatal, error, warn, info (default), debug, trace or silent.',
  SAMVAD_API_KEY: "The default workspace's API key secret at first start (otherwise one is generated and printed once).",
  SAMVAD_ADMIN_TOKEN: 'Operator token for /api/v1/admin (otherwise generated and printed once at first start).',
  SAMVAD_WORKSPACE_NAME: 'Name of the default workspace created at first start. Default "Default workspace".',
  SAMVAD_DEFAULT_RATE_LIMIT: 'Requests per minute on /v1/public for workspaces on the self-hosted plan. Default 6000.',
  SAMVAD_TEST_CLOCK: '1 lets tests and the sandbox move the clock forward. Never set it in production.',
  SAMVAD_GROUP_COMMIT_MS: 'SQLite only: how long writes are collected into one durable transaction. Default 2.',
  SAMVAD_SHUTDOWN_TIMEOUT_MS: 'Longest graceful shutdown before the process exits anyway. Default 10000.',
  SAMVAD_BODY_LIMIT_BYTES: 'Largest JSON request body. Default 32768 (32 KB).',
  SAMVAD_JOB_BATCH_SIZE: 'Jobs a worker claims at once. Default 100.',
  SAMVAD_JOB_LEASE_MS: 'How long a claimed job is leased before another worker may take it over. Default 30000.',
  SAMVAD_JOB_CONCURRENCY: 'Jobs a worker process runs at the same time. Default 16.',
  SAMVAD_RETENTION_RAW_WEBHOOKS_DAYS: "Days raw provider (Meta) webhooks are kept. Default 30.",
  SAMVAD_RETENTION_WEBHOOK_DELIVERIES_DAYS: 'Days outbound webhook delivery bodies are kept. Default 30.',
  SAMVAD_RETENTION_EVENT_FEED_DAYS: 'Days the domain event feed is kept. Default 90.',
  SAMVAD_RETENTION_JOB_HISTORY_DAYS: 'Days dead-lettered and finished job records are kept. Default 14.',
  SAMVAD_RETENTION_MEDIA_DAYS: 'Days stored media files are kept. Default 30.',
  SAMVAD_SANDBOX: 'auto (default: sandbox until a real number is connected), on, or off.',
  SAMVAD_MESSAGE_TTL_MINUTES: 'Minutes a queued outbound message may wait before it fails as expired (authentication templates: 10). Default 1440 (24 h).',
  SAMVAD_DISPATCH_THROUGHPUT_PERCENT: "Least percent of each number's Meta throughput the dispatcher uses, 50-100. Default 90. Meta counts a customer's message when it is sent, the dispatcher only once its webhook is processed: while customers write in, the dispatcher keeps twice their recent rate as headroom (down to this floor); with no inbound traffic it uses the whole throughput.",
  SAMVAD_WEBHOOKS_ALLOW_PRIVATE: '1 lets webhook endpoints use private and loopback addresses (local receivers). Default 0: refused at save and connect time.',
  SAMVAD_WEBHOOK_TIMEOUT_MS: 'How long a webhook receiver has to answer. Default 10000.',
  SAMVAD_WEBHOOK_RETRY_HOURS: 'Hours a failing webhook delivery is retried (exponential backoff with jitter) before it is dead-lettered. Default 72.',
  SAMVAD_WEBHOOK_DISABLE_AFTER_HOURS: 'Hours of continuous failure after which a webhook endpoint is disabled and the workspace alerted. Default 24.',
  SAMVAD_WEBHOOK_CONCURRENCY: 'Webhook requests in flight per endpoint. Default 64 (1,000 messages/s make 3,000 deliveries/s; at 20 ms a round trip that needs 60 in flight).',
  SAMVAD_HEAP_GROWTH_PERCENT: "How far (percent) the server lets V8's JavaScript heap grow past the data its last full garbage collection kept before collecting again. Default 40; 0 leaves it to V8, whose heap under a busy campaign grows to about 4x the live data (more memory, no more speed).",
  SAMVAD_SQLITE_CACHE_MB: 'SQLite page cache of the main connection, in MiB (embedded database only). Default 32.',
  SAMVAD_SECRET_KEY: 'Key that encrypts WhatsApp number secrets and signs media links: 32 bytes as 64 hex characters (openssl rand -hex 32) or base64. Unset: a single process keeps one in <data dir>/secret.key; separate api/worker processes must all set the same key.',
} as const;

export function loadConfig(env: Env = process.env, flags: ConfigFlags = {}): Config {
  const problems: string[] = [];
  const pick = (name: keyof typeof ENV_VARS, flag?: string | number): string | undefined => {
    if (flag !== undefined && flag !== '') return String(flag);
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: keyof typeof ENV_VARS, def: number, min: number, max: number, flag?: string | number, flagName?: string): number => {
    const raw = pick(name, flag);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      const who = flag !== undefined && flag !== '' ? `--${flagName ?? name}` : name;
      problems.push(`${who}=${raw}: must be an integer from ${min} to ${max}`);
      return def;
    }
    return n;
  };
  const oneOf = <T extends string>(name: keyof typeof ENV_VARS, allowed: readonly T[], def: T, flag?: string, flagName?: string): T => {
    const raw = pick(name, flag);
    if (raw === undefined) return def;
    if (!(allowed as readonly string[]).includes(raw)) {
      const who = flag !== undefined && flag !== '' ? `--${flagName ?? name}` : name;
      problems.push(`${who}=${raw}: must be one of ${allowed.join(', ')}`);
      return def;
    }
    return raw as T;
  };
  const url = (name: keyof typeof ENV_VARS, protocols: string[]): string | undefined => {
    const raw = pick(name);
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      problems.push(`${name}=${redactUrl(raw)}: must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      return undefined;
    }
  };
  const days = (name: keyof typeof ENV_VARS, def: number) => int(name, def, 1, 36_500);

  const port = int('PORT', 3000, 0, 65_535, flags.port, 'port');
  const host = pick('HOST', flags.host) ?? '127.0.0.1';
  const dataDir = resolve(pick('SAMVAD_DATA_DIR', flags.dataDir) ?? './data');
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:']);
  const role = oneOf<Role>('SAMVAD_ROLE', ['all', 'api', 'worker'], 'all', flags.role, 'role');
  const publicUrlRaw = url('SAMVAD_PUBLIC_URL', ['http:', 'https:']);
  const logLevel = oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info');
  const testClock = oneOf('SAMVAD_TEST_CLOCK', ['0', '1', 'true', 'false'], '0');
  const sandbox = oneOf('SAMVAD_SANDBOX', ['auto', 'on', 'off'], 'auto');

  const apiKey = pick('SAMVAD_API_KEY');
  if (apiKey !== undefined && !/^[A-Za-z0-9_\-.~]{16,200}$/.test(apiKey)) {
    problems.push('SAMVAD_API_KEY: must be 16–200 characters of letters, digits, "-", "_", "." or "~"');
  }
  const adminToken = pick('SAMVAD_ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) {
    problems.push('SAMVAD_ADMIN_TOKEN: must be at least 16 characters');
  }
  const secretKey = pick('SAMVAD_SECRET_KEY');
  if (secretKey !== undefined && !isSecretKey(secretKey)) {
    problems.push('SAMVAD_SECRET_KEY: must be 32 bytes as 64 hex characters or base64 (e.g. the output of `openssl rand -hex 32`)');
  }
  if (role !== 'all' && databaseUrl === undefined && !problems.some((p) => p.startsWith('DATABASE_URL'))) {
    problems.push(`--role ${role}: separate api and worker processes need a shared database; set DATABASE_URL (PostgreSQL)`);
  }

  const config: Config = {
    port,
    host,
    dataDir,
    databaseUrl,
    redisUrl,
    role,
    publicUrl: (publicUrlRaw ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    logLevel,
    apiKey,
    adminToken,
    workspaceName: pick('SAMVAD_WORKSPACE_NAME') ?? 'Default workspace',
    defaultRateLimitPerMinute: int('SAMVAD_DEFAULT_RATE_LIMIT', 6000, 1, 1_000_000_000),
    testClock: testClock === '1' || testClock === 'true',
    groupCommitMs: int('SAMVAD_GROUP_COMMIT_MS', 2, 0, 1000),
    shutdownTimeoutMs: int('SAMVAD_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    bodyLimitBytes: int('SAMVAD_BODY_LIMIT_BYTES', 32 * 1024, 1024, 64 * 1024 * 1024),
    jobBatchSize: int('SAMVAD_JOB_BATCH_SIZE', 100, 1, 10_000),
    jobLeaseMs: int('SAMVAD_JOB_LEASE_MS', 30_000, 1000, 3_600_000),
    jobConcurrency: int('SAMVAD_JOB_CONCURRENCY', 16, 1, 1000),
    retention: {
      rawProviderWebhooksDays: days('SAMVAD_RETENTION_RAW_WEBHOOKS_DAYS', 30),
      webhookDeliveriesDays: days('SAMVAD_RETENTION_WEBHOOK_DELIVERIES_DAYS', 30),
      eventFeedDays: days('SAMVAD_RETENTION_EVENT_FEED_DAYS', 90),
      jobHistoryDays: days('SAMVAD_RETENTION_JOB_HISTORY_DAYS', 14),
      mediaDays: days('SAMVAD_RETENTION_MEDIA_DAYS', 30),
    },
    sandbox,
    messageTtlMs: int('SAMVAD_MESSAGE_TTL_MINUTES', 1440, 1, 43_200) * 60_000,
    dispatchThroughputShare: int('SAMVAD_DISPATCH_THROUGHPUT_PERCENT', 90, 50, 100) / 100,
    secretKey,
    webhooks: {
      allowPrivate: ['1', 'true'].includes(oneOf('SAMVAD_WEBHOOKS_ALLOW_PRIVATE', ['0', '1', 'true', 'false'], '0')),
      timeoutMs: int('SAMVAD_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      retryMs: int('SAMVAD_WEBHOOK_RETRY_HOURS', 72, 1, 24 * 30) * 3_600_000,
      disableAfterMs: int('SAMVAD_WEBHOOK_DISABLE_AFTER_HOURS', 24, 1, 24 * 30) * 3_600_000,
      concurrencyPerEndpoint: int('SAMVAD_WEBHOOK_CONCURRENCY', 64, 1, 256),
    },
    heapGrowthPercent: int('SAMVAD_HEAP_GROWTH_PERCENT', 40, 0, 1000),
    sqliteCacheMb: int('SAMVAD_SQLITE_CACHE_MB', 32, 1, 65_536),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function isSecretKey(raw: string): boolean {
  const s = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return true;
  return /^[A-Za-z0-9+/_-]{43}=?$/.test(s) && Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').length === 32;
}

/** Hides the password of a URL before it is printed. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return raw.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}
