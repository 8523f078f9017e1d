import type { Dispatcher } from 'undici';
import type { Clock } from '../../../platform/clock.ts';
import type { Database } from '../../../platform/db/database.ts';
import { getSubscribedApps, MetaApiError } from '../cloud-api/channel.ts';
import type { SecretBox } from '../secret-box.ts';
import type { MetaError, PhoneNumberInfo, WhatsAppChannel } from '../types.ts';
import { credentialsOf, findNumberRow } from './manage-numbers.ts';
import { AppError } from '../../../platform/errors.ts';

export interface NumberTestCheck {
  name: 'token_and_number' | 'subscribed_apps';
  /** ok; warning (could not be checked, or looks wrong but sending may work); failed. */
  result: 'ok' | 'warning' | 'failed';
  message: string;
  error?: MetaError;
}

export interface NumberTestReport {
  numberId: string;
  ok: boolean;
  checks: NumberTestCheck[];
  phoneNumber: PhoneNumberInfo | null;
}

/**
 * `numbers test`: GET /{phone-number-id} proves the token and the number; GET /{waba}/subscribed_apps
 * shows whether an app receives the WABA's webhooks. What Graph reports (name, quality, tier) is
 * written back to the number. The emulator has no subscribed_apps endpoint: its 404 becomes a warning.
 */
export async function testNumber(
  database: Database,
  clock: Clock,
  secrets: SecretBox,
  channel: WhatsAppChannel & { dispatcher?: Dispatcher },
  workspaceId: string,
  numberId: string,
): Promise<NumberTestReport> {
  const row = await findNumberRow(database, workspaceId, numberId);
  if (!row) throw new AppError('not_found', `Number ${numberId} not found in this workspace`);
  const creds = credentialsOf(row, secrets);
  const checks: NumberTestCheck[] = [];
  let phoneNumber: PhoneNumberInfo | null = null;
  try {
    phoneNumber = await channel.getPhoneNumber(creds);
    checks.push({ name: 'token_and_number', result: 'ok', message: `The token reads number ${phoneNumber.displayPhoneNumber} (${phoneNumber.verifiedName ?? 'no verified name'})` });
  } catch (err) {
    const meta = err instanceof MetaApiError ? err.meta : undefined;
    checks.push({ name: 'token_and_number', result: 'failed', message: `GET /${row.phone_number_id} failed: ${(err as Error).message}`, ...(meta ? { error: meta } : {}) });
  }
  if (channel.dispatcher) {
    const apps = await getSubscribedApps(channel.dispatcher, creds);
    if (apps.ok) {
      checks.push(
        apps.apps.length > 0
          ? { name: 'subscribed_apps', result: 'ok', message: `${apps.apps.length} app(s) subscribed to the WABA's webhooks` }
          : { name: 'subscribed_apps', result: 'warning', message: 'No app is subscribed to this WABA: Meta will not send its webhooks (POST /{waba-id}/subscribed_apps)' },
      );
    } else if (apps.status === 404 || (apps.error.code === 100 && apps.status === 400)) {
      checks.push({ name: 'subscribed_apps', result: 'warning', message: 'This Graph endpoint does not support subscribed_apps (the sandbox emulator does not emulate it); not checked', error: apps.error });
    } else {
      checks.push({ name: 'subscribed_apps', result: 'failed', message: `GET /${row.waba_id}/subscribed_apps failed: ${apps.error.title}`, error: apps.error });
    }
  }
  if (phoneNumber) {
    await database.transaction(async (tx) => {
      await tx.db
        .updateTable('business_numbers')
        .set({
          ...(phoneNumber!.verifiedName ? { verified_name: phoneNumber!.verifiedName } : {}),
          ...(phoneNumber!.qualityRating ? { quality_rating: phoneNumber!.qualityRating } : {}),
          ...(phoneNumber!.messagingLimitTier ? { messaging_limit_tier: phoneNumber!.messagingLimitTier } : {}),
          updated_at: clock.nowMs(),
        })
        .where('id', '=', row.id)
        .execute();
    });
  }
  return { numberId, ok: checks.every((c) => c.result !== 'failed'), checks, phoneNumber };
}
