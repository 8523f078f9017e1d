import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { migrations } from './migrations.ts';
import { createClock } from './platform/clock.ts';
import { applyHeapGrowth } from './platform/heap-growth.ts';
import { PACKAGE_ROOT } from './platform/package-root.ts';
import { ConfigError, loadConfig, type Config } from './platform/config.ts';
import type { Database } from './platform/db/database.ts';
import { migrateToLatest } from './platform/db/migrate.ts';
import { openDatabase } from './platform/db/open.ts';
import { isAppError } from './platform/errors.ts';
import { createLogger } from './platform/logger.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './workspaces/api-keys.ts';
import { createWorkspace } from './workspaces/create-workspace.ts';
import { firstWorkspace, listWorkspaces } from './workspaces/get-workspaces.ts';
import { NUMBERS_CLI_HELP, NUMBERS_CLI_OPTIONS, NumbersUsageError, runNumbersCommand } from './channels/whatsapp/numbers/cli.ts';
import { WEBHOOKS_CLI_HELP, WEBHOOKS_CLI_OPTIONS, WebhooksUsageError, runWebhooksCommand } from './webhooks/cli.ts';

const VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const HELP = `samvad ${VERSION} — self-hosted WhatsApp-first customer messaging

Usage:
  samvad start [--port N] [--data-dir DIR] [--role all|api|worker] [--host ADDR]
                                   Run the server (API, workers and, in sandbox mode, the emulator)
  samvad migrate [--data-dir DIR]  Apply pending database migrations and exit
  samvad workspaces list           List workspaces
  samvad workspaces create --name NAME [--plan PLAN] [--time-zone TZ] [--rate-limit N]
                                   Create a workspace (plans: starter, growth, advanced, enterprise, self_hosted)
  samvad keys list [--workspace ID]
  samvad keys create [--workspace ID] [--name NAME] [--role owner|admin|agent]
                                   Create an API key (printed once)
  samvad keys revoke KEY_ID [--workspace ID]
${NUMBERS_CLI_HELP}${WEBHOOKS_CLI_HELP}  samvad emulator [--port N] [--data-dir DIR]
                                   Run the WhatsApp Cloud API emulator on its own
  samvad --help | --version

Configuration comes from flags, then environment variables (a .env file in the current folder
is read if present), then defaults; see .env.example. --workspace defaults to the first workspace.
`;

async function main(argv: string[]): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      plan: { type: 'string' },
      'time-zone': { type: 'string' },
      'rate-limit': { type: 'string' },
      workspace: { type: 'string' },
      ...NUMBERS_CLI_OPTIONS,
      ...WEBHOOKS_CLI_OPTIONS,
    },
  });
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const [command, sub, arg] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return values.help || command === 'help' ? 0 : 2;
  }
  const flags = { port: values.port, dataDir: values['data-dir'], role: values.role, host: values.host };

  switch (command) {
    case 'start': {
      // Loaded only to start the server: the other commands stay quick to launch (tsx compiles
      // every module a process imports, and the app imports all of them).
      const { startApp } = await import('./app.ts');
      const app = await startApp(flags);
      applyHeapGrowth(app.config.heapGrowthPercent);
      const timeoutMs = app.config.shutdownTimeoutMs;
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.context.logger.info({ signal }, 'signal received');
        // Exit within the timeout even if something hangs (a stuck request, a slow job).
        setTimeout(() => {
          app.context.logger.error({ timeoutMs }, 'graceful shutdown timed out; exiting');
          process.exit(1);
        }, timeoutMs).unref();
        app.close().then(
          () => process.exit(0),
          (err: unknown) => {
            app.context.logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      return -1; // keep running
    }
    case 'migrate':
      return withDatabase(flags, { migrate: false }, async (database) => {
        const applied = await migrateToLatest(database, migrations);
        process.stdout.write(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'The database is up to date.\n');
      });
    case 'workspaces':
      return withDatabase(flags, { migrate: true }, async (database) => {
        const clock = createClock();
        if (sub === 'list') {
          const rows = await listWorkspaces(database);
          for (const w of rows) process.stdout.write(`${w.id}  ${w.plan.padEnd(11)}  ${w.timeZone.padEnd(20)}  ${w.name}\n`);
          if (rows.length === 0) process.stdout.write('No workspaces yet (the first `samvad start` creates one).\n');
        } else if (sub === 'create') {
          if (!values.name) throw new UsageError('workspaces create needs --name');
          const ws = await createWorkspace(database, clock, {
            name: values.name,
            ...(values.plan ? { plan: values.plan } : {}),
            ...(values['time-zone'] ? { timeZone: values['time-zone'] } : {}),
            ...(values['rate-limit'] ? { rateLimitPerMinute: Number(values['rate-limit']) } : {}),
          });
          const key = await createApiKey(database, clock, ws.id, { name: 'Default key', role: 'owner' });
          process.stdout.write(`Created workspace ${ws.id} (${ws.name}, plan ${ws.plan}).\nAPI key (shown once; send as "Authorization: Basic <key>"):\n  ${key.key}\n`);
        } else {
          throw new UsageError('workspaces takes list or create');
        }
      });
    case 'keys':
      return withDatabase(flags, { migrate: true }, async (database) => {
        const clock = createClock();
        const workspaceId = values.workspace ?? (await firstWorkspace(database))?.id;
        if (!workspaceId) throw new UsageError('No workspace exists yet; start Samvad once or create one with `samvad workspaces create`');
        if (sub === 'list') {
          for (const k of await listApiKeys(database, workspaceId)) {
            process.stdout.write(`${k.id}  ${k.role.padEnd(6)}  ${k.hint.padEnd(8)}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}  ${k.name}\n`);
          }
        } else if (sub === 'create') {
          const key = await createApiKey(database, clock, workspaceId, { ...(values.name ? { name: values.name } : {}), ...(values.role ? { role: values.role } : {}) });
          process.stdout.write(`Created key ${key.id} (${key.role}).\nAPI key (shown once; send as "Authorization: Basic <key>"):\n  ${key.key}\n`);
        } else if (sub === 'revoke') {
          if (!arg) throw new UsageError('keys revoke needs the key id (see `samvad keys list`)');
          const key = await revokeApiKey(database, clock, workspaceId, arg);
          process.stdout.write(`Revoked key ${key.id}.\n`);
        } else {
          throw new UsageError('keys takes list, create or revoke');
        }
      });
    case 'numbers':
      return withDatabase(flags, { migrate: true }, async (database, config) => {
        const workspaceId = values.workspace ?? (await firstWorkspace(database))?.id;
        if (!workspaceId) throw new UsageError('No workspace exists yet; start Samvad once or create one with `samvad workspaces create`');
        const logger = createLogger({ level: 'warn' });
        await runNumbersCommand({ database, config, clock: createClock(), logger, workspaceId, out: (l) => process.stdout.write(`${l}\n`) }, sub, arg, values).catch((err: unknown) => {
          throw err instanceof NumbersUsageError ? new UsageError(err.message) : err;
        });
      });
    case 'webhooks':
      return withDatabase(flags, { migrate: true }, async (database, config) => {
        const workspaceId = values.workspace ?? (await firstWorkspace(database))?.id;
        if (!workspaceId) throw new UsageError('No workspace exists yet; start Samvad once or create one with `samvad workspaces create`');
        await runWebhooksCommand({ database, config, clock: createClock(), workspaceId, out: (l) => process.stdout.write(`${l}\n`) }, sub, arg, values).catch((err: unknown) => {
          throw err instanceof WebhooksUsageError ? new UsageError(err.message) : err;
        });
      });
    case 'emulator': {
      const config = loadConfig(process.env, flags);
      const logger = createLogger({ level: config.logLevel });
      const { startEmulatorServer } = await import('./emulator/index.ts');
      const server = await startEmulatorServer({
        port: values.port ? config.port : 9090,
        host: config.host,
        dataDir: config.dataDir,
        clock: createClock({ movable: config.testClock }),
        logger,
      });
      process.stdout.write(`WhatsApp Cloud API emulator listening at ${server.url} (Graph: ${server.url}/v21.0, control: ${server.url}/emulator)\n`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      return -1;
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

class UsageError extends Error {}

async function withDatabase(
  flags: Parameters<typeof loadConfig>[1],
  options: { migrate: boolean },
  fn: (database: Database, config: Config) => Promise<void>,
): Promise<number> {
  const config = loadConfig(process.env, flags);
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, groupCommitMs: 0, logger });
  try {
    // Commands that read or write data bring the schema up to date first, so they work before the first start.
    if (options.migrate) await migrateToLatest(database, migrations);
    await fn(database, config);
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    else if (isAppError(err)) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = err instanceof ConfigError || err instanceof UsageError ? 2 : 1;
  },
);
