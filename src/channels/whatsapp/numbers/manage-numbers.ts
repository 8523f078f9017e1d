import type { Clock } from '../../../platform/clock.ts';
import type { Database, Tx } from '../../../platform/db/database.ts';
import { AppError } from '../../../platform/errors.ts';
import { newId, newSecret } from '../../../platform/ids.ts';
import type { SecretBox } from '../secret-box.ts';
import type { NumberCredentials } from '../types.ts';
import {
  DEFAULT_GRAPH_BASE_URL,
  DEFAULT_THROUGHPUT_MPS,
  SECRET_LABEL,
  TIERS,
  toBusinessNumber,
  type BusinessNumber,
  type BusinessNumberRow,
} from './business-number.ts';

export interface AddNumberInput {
  phoneNumberId: string;
  wabaId: string;
  /** Business portfolio id (the messaging-limit budget is per portfolio). Defaults to the WABA id. */
  businessId?: string;
  displayPhoneNumber: string;
  verifiedName?: string | null;
  accessToken: string;
  appSecret: string;
  /** Webhook verify token; generated when omitted. */
  verifyToken?: string;
  graphBaseUrl?: string;
  throughputMps?: number;
  messagingLimitTier?: string;
  qualityRating?: string | null;
  isDefault?: boolean;
  isSandbox?: boolean;
}

export type UpdateNumberInput = Partial<Omit<AddNumberInput, 'phoneNumberId' | 'isSandbox'>>;

const GRAPH_ID = /^[0-9A-Za-z_-]{1,64}$/;

function validate(input: UpdateNumberInput & { phoneNumberId?: string }): void {
  const problems: { field: string; message: string }[] = [];
  const id = (field: 'phoneNumberId' | 'wabaId' | 'businessId') => {
    const v = input[field];
    if (v !== undefined && !GRAPH_ID.test(v)) problems.push({ field, message: 'must be a Graph id (digits, 1–64 characters)' });
  };
  id('phoneNumberId');
  id('wabaId');
  id('businessId');
  if (input.displayPhoneNumber !== undefined && !/^\+?[0-9 ()-]{5,32}$/.test(input.displayPhoneNumber)) {
    problems.push({ field: 'displayPhoneNumber', message: 'must be a phone number (digits, spaces, +, -, parentheses)' });
  }
  for (const f of ['accessToken', 'appSecret', 'verifyToken'] as const) {
    const v = input[f];
    if (v !== undefined && (v.length < 8 || v.length > 4096 || /\s/.test(v))) problems.push({ field: f, message: 'must be 8–4096 characters without spaces' });
  }
  if (input.graphBaseUrl !== undefined) {
    try {
      const u = new URL(input.graphBaseUrl);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('protocol');
    } catch {
      problems.push({ field: 'graphBaseUrl', message: 'must be an http(s) URL such as https://graph.facebook.com/v21.0' });
    }
  }
  if (input.throughputMps !== undefined && (!Number.isInteger(input.throughputMps) || input.throughputMps < 1 || input.throughputMps > 1000)) {
    problems.push({ field: 'throughputMps', message: 'must be an integer from 1 to 1000' });
  }
  if (input.messagingLimitTier !== undefined && !(TIERS as readonly string[]).includes(input.messagingLimitTier)) {
    problems.push({ field: 'messagingLimitTier', message: `must be one of ${TIERS.join(', ')}` });
  }
  if (problems.length > 0) throw new AppError('validation_failed', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
}

/** Connects a number to a workspace. The first number of a workspace becomes its default. */
export async function addNumber(database: Database, clock: Clock, secrets: SecretBox, workspaceId: string, input: AddNumberInput): Promise<BusinessNumber> {
  validate(input);
  const now = clock.nowMs();
  const verifyToken = input.verifyToken ?? newVerifyToken();
  const row: BusinessNumberRow = {
    id: newId(now),
    workspace_id: workspaceId,
    phone_number_id: input.phoneNumberId,
    waba_id: input.wabaId,
    business_id: input.businessId ?? input.wabaId,
    display_phone_number: input.displayPhoneNumber,
    verified_name: input.verifiedName ?? null,
    graph_base_url: (input.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL).replace(/\/+$/, ''),
    access_token_enc: secrets.seal(input.accessToken, SECRET_LABEL.accessToken),
    app_secret_enc: secrets.seal(input.appSecret, SECRET_LABEL.appSecret),
    verify_token_enc: secrets.seal(verifyToken, SECRET_LABEL.verifyToken),
    throughput_mps: input.throughputMps ?? DEFAULT_THROUGHPUT_MPS,
    messaging_limit_tier: input.messagingLimitTier ?? 'TIER_250',
    quality_rating: input.qualityRating ?? null,
    is_default: 0,
    is_sandbox: input.isSandbox ? 1 : 0,
    dispatch_paused_at: null,
    dispatch_pause_reason: null,
    created_at: now,
    updated_at: now,
  };
  return database.transaction(async (tx) => {
    const ws = await tx.db.selectFrom('workspaces').select('id').where('id', '=', workspaceId).executeTakeFirst();
    if (!ws) throw new AppError('not_found', `Workspace ${workspaceId} not found`);
    const taken = await tx.db.selectFrom('business_numbers').select(['workspace_id']).where('phone_number_id', '=', input.phoneNumberId).executeTakeFirst();
    if (taken) {
      throw new AppError('conflict', taken.workspace_id === workspaceId ? `Number ${input.phoneNumberId} is already connected to this workspace` : `Number ${input.phoneNumberId} is already connected to another workspace`);
    }
    const hasDefault = await tx.db.selectFrom('business_numbers').select('id').where('workspace_id', '=', workspaceId).where('is_default', '=', 1).executeTakeFirst();
    if (input.isDefault && hasDefault) await clearDefault(tx, workspaceId, now);
    row.is_default = input.isDefault || !hasDefault ? 1 : 0;
    await tx.db.insertInto('business_numbers').values(row).execute();
    return toBusinessNumber(row);
  });
}

export async function listNumbers(database: Database, workspaceId: string): Promise<BusinessNumber[]> {
  const rows = await database.db.selectFrom('business_numbers').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toBusinessNumber);
}

export async function findNumberRow(database: Database | Tx, workspaceId: string, numberId: string): Promise<BusinessNumberRow | undefined> {
  return database.db.selectFrom('business_numbers').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', numberId).executeTakeFirst();
}

async function requireRow(database: Database | Tx, workspaceId: string, numberId: string): Promise<BusinessNumberRow> {
  const row = await findNumberRow(database, workspaceId, numberId);
  if (!row) throw new AppError('not_found', `Number ${numberId} not found in this workspace`);
  return row;
}

export async function getNumber(database: Database, workspaceId: string, numberId: string): Promise<BusinessNumber> {
  return toBusinessNumber(await requireRow(database, workspaceId, numberId));
}

/** The workspace's default number (used by /v1/public sends that name none). */
export async function getDefaultNumber(database: Database, workspaceId: string): Promise<BusinessNumber | undefined> {
  const row = await database.db.selectFrom('business_numbers').selectAll().where('workspace_id', '=', workspaceId).where('is_default', '=', 1).executeTakeFirst();
  return row ? toBusinessNumber(row) : undefined;
}

/** A number of the workspace by Meta's phone-number id (a send body's `phoneNumberId`). */
export async function findNumberByPhoneNumberId(database: Database, workspaceId: string, phoneNumberId: string): Promise<BusinessNumber | undefined> {
  const row = await database.db.selectFrom('business_numbers').selectAll().where('workspace_id', '=', workspaceId).where('phone_number_id', '=', phoneNumberId).executeTakeFirst();
  return row ? toBusinessNumber(row) : undefined;
}

export async function updateNumber(database: Database, clock: Clock, secrets: SecretBox, workspaceId: string, numberId: string, input: UpdateNumberInput): Promise<BusinessNumber> {
  validate(input);
  const now = clock.nowMs();
  const set: Partial<BusinessNumberRow> = { updated_at: now };
  if (input.wabaId !== undefined) set.waba_id = input.wabaId;
  if (input.businessId !== undefined) set.business_id = input.businessId;
  if (input.displayPhoneNumber !== undefined) set.display_phone_number = input.displayPhoneNumber;
  if (input.verifiedName !== undefined) set.verified_name = input.verifiedName;
  if (input.graphBaseUrl !== undefined) set.graph_base_url = input.graphBaseUrl.replace(/\/+$/, '');
  if (input.throughputMps !== undefined) set.throughput_mps = input.throughputMps;
  if (input.messagingLimitTier !== undefined) set.messaging_limit_tier = input.messagingLimitTier;
  if (input.qualityRating !== undefined) set.quality_rating = input.qualityRating;
  if (input.accessToken !== undefined) set.access_token_enc = secrets.seal(input.accessToken, SECRET_LABEL.accessToken);
  if (input.appSecret !== undefined) set.app_secret_enc = secrets.seal(input.appSecret, SECRET_LABEL.appSecret);
  if (input.verifyToken !== undefined) set.verify_token_enc = secrets.seal(input.verifyToken, SECRET_LABEL.verifyToken);
  return database.transaction(async (tx) => {
    const row = await requireRow(tx, workspaceId, numberId);
    if (input.isDefault === true && Number(row.is_default) !== 1) {
      await clearDefault(tx, workspaceId, now);
      set.is_default = 1;
    } else if (input.isDefault === false && Number(row.is_default) === 1) {
      throw new AppError('validation_failed', 'isDefault: a workspace always has a default number; make another number the default instead', [
        { field: 'isDefault', message: 'make another number the default instead' },
      ]);
    }
    await tx.db.updateTable('business_numbers').set(set).where('id', '=', numberId).execute();
    return toBusinessNumber({ ...row, ...set });
  });
}

/**
 * Disconnects a number. Refused while messages of it are still queued for dispatch (they would be
 * orphaned); when the default goes, the oldest remaining number becomes the default.
 */
export async function removeNumber(database: Database, clock: Clock, workspaceId: string, numberId: string): Promise<BusinessNumber> {
  return database.transaction(async (tx) => {
    const row = await requireRow(tx, workspaceId, numberId);
    const queued = await tx.db.selectFrom('dispatch_queue').select('message_id').where('number_id', '=', numberId).limit(1).executeTakeFirst();
    if (queued) throw new AppError('conflict', `Number ${numberId} still has messages queued for sending; wait until they are sent or expire`);
    await tx.db.deleteFrom('business_numbers').where('id', '=', numberId).execute();
    if (Number(row.is_default) === 1) {
      const next = await tx.db.selectFrom('business_numbers').select('id').where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
      if (next) await tx.db.updateTable('business_numbers').set({ is_default: 1, updated_at: clock.nowMs() }).where('id', '=', next.id).execute();
    }
    return toBusinessNumber(row);
  });
}

/** Account-level error (190, 131031, …): the number's dispatch stops until an operator resumes it. */
export async function pauseNumberDispatch(database: Database, clock: Clock, numberId: string, reason: string): Promise<boolean> {
  const now = clock.nowMs();
  return database.transaction(async (tx) => {
    const r = await tx.db
      .updateTable('business_numbers')
      .set({ dispatch_paused_at: now, dispatch_pause_reason: reason.slice(0, 500), updated_at: now })
      .where('id', '=', numberId)
      .where('dispatch_paused_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows ?? 0) > 0;
  });
}

/** Clears a dispatch pause (POST /api/v1/numbers/:id/resume). Wake the number's dispatcher afterwards. */
export async function resumeNumberDispatch(database: Database, clock: Clock, workspaceId: string, numberId: string): Promise<BusinessNumber> {
  return database.transaction(async (tx) => {
    const row = await requireRow(tx, workspaceId, numberId);
    const set = { dispatch_paused_at: null, dispatch_pause_reason: null, updated_at: clock.nowMs() };
    await tx.db.updateTable('business_numbers').set(set).where('id', '=', numberId).execute();
    return toBusinessNumber({ ...row, ...set });
  });
}

/** A number with its access token decrypted, as the adapter needs it. */
export function credentialsOf(row: BusinessNumberRow, secrets: SecretBox): NumberCredentials {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    phoneNumberId: row.phone_number_id,
    wabaId: row.waba_id,
    businessId: row.business_id,
    graphBaseUrl: row.graph_base_url.replace(/\/+$/, ''),
    accessToken: secrets.open(row.access_token_enc, SECRET_LABEL.accessToken),
  };
}

export async function getNumberCredentials(database: Database, secrets: SecretBox, workspaceId: string, numberId: string): Promise<NumberCredentials> {
  return credentialsOf(await requireRow(database, workspaceId, numberId), secrets);
}

async function clearDefault(tx: Tx, workspaceId: string, now: number): Promise<void> {
  await tx.db.updateTable('business_numbers').set({ is_default: 0, updated_at: now }).where('workspace_id', '=', workspaceId).where('is_default', '=', 1).execute();
}

export function newVerifyToken(): string {
  return `vt_${newSecret(24)}`;
}
