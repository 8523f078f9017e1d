import { retryOnDeadlock } from '../platform/db/retry-deadlock.ts';
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../channels/whatsapp/secret-box.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { isEventType } from './catalogue.ts';
import { secretLabel } from './runtime.ts';
import type { WebhookEndpointsTable } from './tables.ts';
import { checkWebhookUrl } from './url-safety.ts';

export interface WebhookEndpoint {
  id: string;
  workspaceId: string;
  url: string;
  /** [] = every event type. */
  events: string[];
  status: 'active' | 'disabled';
  disabledReason: string | null;
  failingSince: number | null;
  description: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface EndpointDeps {
  database: Database;
  clock: Clock;
  allowPrivate: boolean;
  /** Seals endpoint secrets at rest (the instance's key, as for business numbers' secrets). */
  secrets: SecretBox;
}

/** Secrets are stored sealed only: without the instance's key there is nowhere safe to put one. */
function seal(secrets: SecretBox, endpointId: string, secret: string): string {
  if (!secrets.available) {
    throw new AppError('unavailable', 'No secret key: set SAMVAD_SECRET_KEY (32 bytes, 64 hex characters or base64) on every Samvad process so webhook endpoint secrets can be stored sealed');
  }
  return secrets.seal(secret, secretLabel(endpointId));
}

export function toEndpoint(r: WebhookEndpointsTable): WebhookEndpoint {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    url: r.url,
    events: JSON.parse(r.event_types) as string[],
    status: r.status === 'active' ? 'active' : 'disabled',
    disabledReason: r.disabled_reason,
    failingSince: r.failing_since === null ? null : Number(r.failing_since),
    description: r.description,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function checkEvents(events: string[] | undefined): string[] {
  const list = [...new Set(events ?? [])];
  const unknown = list.filter((e) => !isEventType(e));
  if (unknown.length) throw new AppError('validation_failed', `Unknown event type(s): ${unknown.join(', ')}. See GET /api/v1/webhooks/event-types`);
  return list;
}

function checkSecret(secret: string | undefined): string {
  if (secret === undefined) return `whsec_${randomBytes(24).toString('base64url')}`;
  if (secret.length < 8 || secret.length > 256) throw new AppError('validation_failed', 'secret must be 8 to 256 characters');
  return secret;
}

export interface CreateEndpointInput {
  url: string;
  /** Interakt's "Secret Key"; generated when omitted. */
  secret?: string;
  events?: string[];
  description?: string | null;
}

/** Creates an endpoint (the URL checked against private addresses); answers the secret once (it is stored sealed). */
export async function createEndpoint(deps: EndpointDeps, workspaceId: string, input: CreateEndpointInput): Promise<WebhookEndpoint & { secret: string }> {
  const url = (await checkWebhookUrl(input.url, deps.allowPrivate)).toString();
  const events = checkEvents(input.events);
  const secret = checkSecret(input.secret);
  const now = deps.clock.nowMs();
  const id = newId(now);
  const row: WebhookEndpointsTable = {
    id,
    workspace_id: workspaceId,
    url,
    secret: seal(deps.secrets, id, secret),
    secret_sealed: 1,
    event_types: JSON.stringify(events),
    status: 'active',
    disabled_reason: null,
    failing_since: null,
    description: input.description ?? null,
    created_at: now,
    updated_at: now,
  };
  await deps.database.transaction(async (tx) => {
    await tx.db.insertInto('webhook_endpoints').values(row).execute();
  });
  return { ...toEndpoint(row), secret };
}

export async function listEndpoints(database: Database, workspaceId: string): Promise<WebhookEndpoint[]> {
  const rows = await database.db.selectFrom('webhook_endpoints').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').execute();
  return rows.map(toEndpoint);
}

export async function getEndpoint(database: Database, workspaceId: string, id: string): Promise<WebhookEndpoint> {
  const row = await database.db.selectFrom('webhook_endpoints').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `Webhook endpoint ${id} not found`);
  return toEndpoint(row);
}

export interface UpdateEndpointInput {
  url?: string;
  secret?: string;
  events?: string[];
  description?: string | null;
  /** Re-enabling clears the failure run; pending deliveries resume. */
  status?: 'active' | 'disabled';
}

export async function updateEndpoint(deps: EndpointDeps, workspaceId: string, id: string, input: UpdateEndpointInput): Promise<WebhookEndpoint> {
  await getEndpoint(deps.database, workspaceId, id);
  const now = deps.clock.nowMs();
  const set: Partial<WebhookEndpointsTable> = { updated_at: now };
  if (input.url !== undefined) set.url = (await checkWebhookUrl(input.url, deps.allowPrivate)).toString();
  if (input.secret !== undefined) Object.assign(set, { secret: seal(deps.secrets, id, checkSecret(input.secret)), secret_sealed: 1 });
  if (input.events !== undefined) set.event_types = JSON.stringify(checkEvents(input.events));
  if (input.description !== undefined) set.description = input.description;
  if (input.status === 'active') Object.assign(set, { status: 'active', disabled_reason: null, failing_since: null });
  if (input.status === 'disabled') Object.assign(set, { status: 'disabled', disabled_reason: 'disabled by a user' });
  await deps.database.transaction(async (tx) => {
    await tx.db.updateTable('webhook_endpoints').set(set).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
  });
  return getEndpoint(deps.database, workspaceId, id);
}

/** Deletes the endpoint and its pending deliveries (its delivery log ages out with retention). */
export async function deleteEndpoint(database: Database, workspaceId: string, id: string): Promise<void> {
  await getEndpoint(database, workspaceId, id);
  // The deliverer may be writing outcomes of the same rows (PostgreSQL can pick either as a deadlock victim).
  await retryOnDeadlock(() =>
    database.transaction(async (tx) => {
      await tx.db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).where('state', '=', 'pending').execute();
      await tx.db.deleteFrom('webhook_endpoints').where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
    }),
  );
}

/**
 * Seals the secrets of endpoints stored before migration 0064 (plain text then). Run at worker
 * start when the instance has a key; until then the deliverer reads those rows' plain secrets.
 */
export async function sealPlainSecrets(database: Database, secrets: SecretBox): Promise<number> {
  if (!secrets.available) return 0;
  const rows = await database.db.selectFrom('webhook_endpoints').select(['id', 'secret']).where('secret_sealed', '=', 0).execute();
  for (const r of rows) {
    await database.transaction(async (tx) => {
      await tx.db.updateTable('webhook_endpoints').set({ secret: secrets.seal(r.secret, secretLabel(r.id)), secret_sealed: 1 }).where('id', '=', r.id).where('secret_sealed', '=', 0).execute();
    });
  }
  return rows.length;
}
