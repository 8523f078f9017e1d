import type { Clock } from '../../../platform/clock.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { Emulator } from '../../../emulator/index.ts';
import { firstWorkspace } from '../../../workspaces/get-workspaces.ts';
import { SECRET_LABEL } from '../numbers/business-number.ts';
import { addNumber, newVerifyToken } from '../numbers/manage-numbers.ts';
import type { SecretBox } from '../secret-box.ts';
import { WEBHOOK_PATH } from '../webhooks/receiver-routes.ts';

export interface ConnectSandboxInput {
  database: Database;
  clock: Clock;
  logger: Logger;
  secrets: SecretBox;
  emulator: Emulator;
  /** Where this process listens (the emulator runs in it): http://localhost:PORT. */
  url: string;
}

/**
 * Sandbox mode: connects the emulator's default number to the default workspace when that
 * workspace has no number yet (is_sandbox, is_default), and registers Samvad's webhook URL with the
 * emulator (which performs Meta's GET handshake against our receiver, so call this after listen).
 * On later starts (tests use port 0) it points the number and the callback at the current URL.
 * Returns the business number id, or null when nothing was connected.
 */
export async function connectSandboxNumber(input: ConnectSandboxInput): Promise<string | null> {
  const { database, clock, logger, secrets, emulator } = input;
  const number = emulator.defaultNumber();
  if (!number) return null;
  const graphBaseUrl = `${input.url}/graph/v21.0`;
  const callbackUrl = `${input.url}${WEBHOOK_PATH}`;
  const existing = await database.db.selectFrom('business_numbers').selectAll().where('phone_number_id', '=', number.phone_number_id).executeTakeFirst();
  let numberId: string;
  let verifyToken: string;
  if (existing) {
    numberId = existing.id;
    verifyToken = secrets.open(existing.verify_token_enc, SECRET_LABEL.verifyToken);
    const set: { graph_base_url?: string; access_token_enc?: string; app_secret_enc?: string; updated_at: number } = { updated_at: clock.nowMs() };
    if (existing.graph_base_url !== graphBaseUrl) set.graph_base_url = graphBaseUrl;
    // The emulator's credentials are its own; keep ours in step if its store was reset.
    if (Number(existing.is_sandbox) === 1) {
      if (secrets.open(existing.access_token_enc, SECRET_LABEL.accessToken) !== number.access_token) set.access_token_enc = secrets.seal(number.access_token, SECRET_LABEL.accessToken);
      if (secrets.open(existing.app_secret_enc, SECRET_LABEL.appSecret) !== number.app_secret) set.app_secret_enc = secrets.seal(number.app_secret, SECRET_LABEL.appSecret);
    }
    if (Object.keys(set).length > 1) {
      await database.transaction(async (tx) => {
        await tx.db.updateTable('business_numbers').set(set).where('id', '=', existing.id).execute();
      });
    }
  } else {
    const workspace = await firstWorkspace(database);
    if (!workspace) return null;
    const any = await database.db.selectFrom('business_numbers').select('id').where('workspace_id', '=', workspace.id).limit(1).executeTakeFirst();
    if (any) return null; // the operator connected a number of their own
    verifyToken = newVerifyToken();
    const added = await addNumber(database, clock, secrets, workspace.id, {
      phoneNumberId: number.phone_number_id,
      wabaId: number.waba_id,
      businessId: number.business_id,
      displayPhoneNumber: number.display_phone_number,
      verifiedName: number.verified_name,
      accessToken: number.access_token,
      appSecret: number.app_secret,
      verifyToken,
      graphBaseUrl,
      throughputMps: number.throughput_mps,
      messagingLimitTier: number.messaging_limit_tier,
      qualityRating: number.quality_rating,
      isDefault: true,
      isSandbox: true,
    });
    numberId = added.id;
    logger.info({ numberId, phoneNumberId: number.phone_number_id }, 'sandbox number connected to the default workspace');
  }
  await emulator.setCallback(number.phone_number_id, callbackUrl, verifyToken);
  return numberId;
}
