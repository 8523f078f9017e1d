import { findNumberByPhoneNumberId, getDefaultNumber } from '../../channels/whatsapp/numbers/manage-numbers.ts';
import type { BusinessNumber } from '../../channels/whatsapp/numbers/business-number.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { refuse } from './invalid.ts';

/** What a send needs of the number it goes out from. */
export interface SendingNumber {
  id: string;
  workspaceId: string;
  phoneNumberId: string;
  wabaId: string;
  isSandbox: boolean;
}

/**
 * The workspace's default number, or one named by `phoneNumberId`, for the send hot path: looked
 * up through the channels module's services and kept in memory for `ttlMs` (a number added,
 * removed or made default elsewhere is seen within that; `invalidate()` drops it at once).
 */
export class SendingNumbers {
  private cache = new Map<string, { number: SendingNumber | null; expiresAt: number }>();
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
  ) {}

  async resolve(workspaceId: string, phoneNumberId: string | undefined): Promise<SendingNumber> {
    const key = `${workspaceId}\u0000${phoneNumberId ?? ''}`;
    const now = this.clock.nowMs();
    const hit = this.cache.get(key);
    let number: SendingNumber | null;
    if (hit && hit.expiresAt > now) {
      number = hit.number;
    } else {
      const found = phoneNumberId ? await findNumberByPhoneNumberId(this.database, workspaceId, phoneNumberId) : await getDefaultNumber(this.database, workspaceId);
      number = found ? toSendingNumber(found) : null;
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key, { number, expiresAt: now + this.ttlMs });
    }
    if (!number) {
      if (phoneNumberId) refuse(`phoneNumberId ${phoneNumberId} is not a WhatsApp number of this workspace`);
      refuse('No WhatsApp number is connected to this workspace: connect one (POST /api/v1/numbers) before sending');
    }
    return number;
  }

  invalidate(): void {
    this.cache.clear();
  }
}

function toSendingNumber(n: BusinessNumber): SendingNumber {
  return { id: n.id, workspaceId: n.workspaceId, phoneNumberId: n.phoneNumberId, wabaId: n.wabaId, isSandbox: n.isSandbox };
}
