import { loadSecretBox } from '../channels/whatsapp/secret-box.ts';
import type { Clock } from '../platform/clock.ts';
import type { Config } from '../platform/config.ts';
import type { Database } from '../platform/db/database.ts';
import { listDeliveries, redeliverRange } from './deliveries.ts';
import { createEndpoint, deleteEndpoint, listEndpoints, updateEndpoint } from './endpoints.ts';

export const WEBHOOKS_CLI_HELP = `  samvad webhooks list [--workspace ID]
  samvad webhooks create --url URL [--secret S] [--events a,b] [--workspace ID]
                                   Add a webhook endpoint (the secret is printed once)
  samvad webhooks disable|enable|delete ENDPOINT_ID [--workspace ID]
  samvad webhooks deliveries ENDPOINT_ID [--status pending|delivered|failed]
  samvad webhooks redeliver ENDPOINT_ID --since ISO_TIME [--failed]
                                   Queue every event since a time again (or only the failed ones)
`;

export const WEBHOOKS_CLI_OPTIONS = {
  url: { type: 'string' },
  secret: { type: 'string' },
  events: { type: 'string' },
  status: { type: 'string' },
  since: { type: 'string' },
  failed: { type: 'boolean' },
} as const;

export class WebhooksUsageError extends Error {}

export interface WebhooksCliDeps {
  database: Database;
  config: Config;
  clock: Clock;
  workspaceId: string;
  out: (line: string) => void;
}

/** `samvad webhooks …`: the native API's endpoint management and replay, on the data directory or DATABASE_URL. */
export async function runWebhooksCommand(deps: WebhooksCliDeps, sub: string | undefined, arg: string | undefined, values: Record<string, unknown>): Promise<void> {
  const { database, clock, workspaceId, out } = deps;
  const { config } = deps;
  // The same key the server uses (SAMVAD_SECRET_KEY, or <dataDir>/secret.key for a single process).
  const secrets = loadSecretBox({ secretKey: config.secretKey, dataDir: config.dataDir, singleProcess: config.role === 'all' });
  const ep = { database, clock, allowPrivate: config.webhooks.allowPrivate, secrets };
  const need = (v: string | undefined, what: string) => {
    if (!v) throw new WebhooksUsageError(`samvad webhooks ${sub}: ${what} is required`);
    return v;
  };
  switch (sub) {
    case 'list':
      for (const e of await listEndpoints(database, workspaceId)) out(`${e.id}  ${e.status.padEnd(8)}  ${e.url}  ${e.events.length ? e.events.join(',') : 'all events'}`);
      return;
    case 'create': {
      const e = await createEndpoint(ep, workspaceId, {
        url: need(values.url as string | undefined, '--url'),
        ...(values.secret ? { secret: String(values.secret) } : {}),
        ...(values.events ? { events: String(values.events).split(',').map((s) => s.trim()).filter(Boolean) } : {}),
      });
      out(`Created webhook endpoint ${e.id} for ${e.url}`);
      out(`Secret (shown once; verify Interakt-Signature with it): ${e.secret}`);
      return;
    }
    case 'disable':
    case 'enable':
      await updateEndpoint(ep, workspaceId, need(arg, 'ENDPOINT_ID'), { status: sub === 'enable' ? 'active' : 'disabled' });
      out(`Endpoint ${arg} ${sub}d`);
      return;
    case 'delete':
      await deleteEndpoint(database, workspaceId, need(arg, 'ENDPOINT_ID'));
      out(`Endpoint ${arg} deleted`);
      return;
    case 'deliveries': {
      const status = values.status as 'pending' | 'delivered' | 'failed' | undefined;
      const page = await listDeliveries(database, workspaceId, need(arg, 'ENDPOINT_ID'), { limit: 50, ...(status ? { status } : {}) });
      for (const d of page.data) {
        out(`${d.id}  ${d.eventType.padEnd(30)} ${d.status.padEnd(9)} attempts=${d.attempts} code=${d.lastStatusCode ?? '-'}${d.lastError ? `  ${d.lastError}` : ''}`);
      }
      return;
    }
    case 'redeliver': {
      const since = Date.parse(need(values.since as string | undefined, '--since'));
      if (!Number.isFinite(since)) throw new WebhooksUsageError('--since must be a date/time such as 2025-01-31T10:00:00Z');
      const r = await redeliverRange(database, clock, workspaceId, need(arg, 'ENDPOINT_ID'), { scope: values.failed ? 'failed' : 'all', from: since });
      out(`Queued ${r.queued} deliveries (a running Samvad sends them)`);
      return;
    }
    default:
      throw new WebhooksUsageError(`Unknown command: samvad webhooks ${sub ?? ''}`);
  }
}
