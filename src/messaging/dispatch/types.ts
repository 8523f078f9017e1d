import type { NumberCredentials, WhatsAppChannel } from '../../channels/whatsapp/types.ts';

/** What the dispatcher needs to know about a business number (part A's numbers service provides it). */
export interface DispatchNumber {
  credentials: NumberCredentials;
  /** Meta's messages per second for the number (80 default, up to 1000). */
  throughputMps: number;
  /** Portfolio messaging limit tier: TIER_250, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED. */
  messagingLimitTier: string;
  /** The business portfolio: the messaging-limit budget is shared by its numbers. */
  businessId: string;
  /** Set while dispatch is paused after an account-level error. */
  pausedAt: number | null;
}

export type LoadNumber = (numberId: string) => Promise<DispatchNumber | null>;

export type SendChannel = Pick<WhatsAppChannel, 'send'>;

export interface DispatchStats {
  /** Sends Meta accepted (a wamid came back). */
  accepted: number;
  /** Retryable answers (each rescheduled with backoff). */
  retried: number;
  /** 130429 answers (the pacing should make these zero). */
  throttled: number;
  /** 131056 answers. */
  pairThrottled: number;
  /** Sends whose outcome is unknown (written, no answer): never resent. */
  unknown: number;
  /** Messages left in `sending` by a dead owner, marked unknown on takeover. */
  orphaned: number;
  failed: number;
  expired: number;
  /** Account-level errors that paused a number. */
  paused: number;
  /** Sends waiting because of the portfolio messaging limit (counted per wait decision). */
  limitWaits: number;
}

export function emptyStats(): DispatchStats {
  return { accepted: 0, retried: 0, throttled: 0, pairThrottled: 0, unknown: 0, orphaned: 0, failed: 0, expired: 0, paused: 0, limitWaits: 0 };
}

/** Portfolio messaging limit per tier (limits §3.1); Infinity for unlimited. */
export function tierLimit(tier: string): number {
  switch (tier) {
    case 'TIER_50':
      return 50;
    case 'TIER_250':
    case 'TIER_NOT_SET':
      return 250;
    case 'TIER_1K':
      return 1_000;
    case 'TIER_2K':
      return 2_000;
    case 'TIER_10K':
      return 10_000;
    case 'TIER_100K':
      return 100_000;
    case 'TIER_UNLIMITED':
      return Infinity;
    default:
      return 250;
  }
}
