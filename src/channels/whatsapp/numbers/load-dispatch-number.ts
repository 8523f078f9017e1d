import type { Database } from '../../../platform/db/database.ts';
import type { DispatchNumber } from '../../../messaging/dispatch/types.ts';
import type { SecretBox } from '../secret-box.ts';
import { credentialsOf } from './manage-numbers.ts';

/**
 * What the dispatcher needs about a number it owns: decrypted credentials, Meta's throughput and
 * messaging-limit tier, its portfolio, and whether dispatch is paused. Null once the number is
 * removed (its queued messages then wait until it is connected again).
 */
export function createDispatchNumberLoader(database: Database, secrets: SecretBox) {
  return async (numberId: string): Promise<DispatchNumber | null> => {
    const row = await database.db.selectFrom('business_numbers').selectAll().where('id', '=', numberId).executeTakeFirst();
    if (!row) return null;
    return {
      credentials: credentialsOf(row, secrets),
      throughputMps: row.throughput_mps,
      messagingLimitTier: row.messaging_limit_tier,
      businessId: row.business_id,
      pausedAt: row.dispatch_paused_at,
    };
  };
}
