/**
 * Tunables of the emulator. Where the references leave a fact unconfirmed, the default here is
 * the likeliest behaviour and README.md says so.
 */
import type { Behaviour } from './store.ts';

export interface EmulatorTunables {
  /** HTTP status of throttling errors (4, 80007, 130429, 131048, 131056): Meta's older table says 429, its newer one 400. */
  throttleHttpStatus: 400 | 429;
  /** Refuse unknown parameters with code 100. */
  strictUnknownFields: boolean;
  /** Delay before a created or edited template is reviewed. */
  templateReviewDelayMs: number;
  /** Templates per WABA (250 for an unverified portfolio, 6,000 verified). */
  templateCap: number;
  /** 132000/132012 (legacy), 132018 (v23+), or by the request's Graph version. */
  templateParamErrors: 'by-version' | 'legacy' | 'v23';
  /** How long failed webhook deliveries are retried (Meta: 36 h on one page, 7 days on another). */
  webhookRetryHorizonMs: number;
  /** Largest number of statuses batched in one webhook POST (Meta: up to 1,000). */
  webhookBatchMax: number;
  webhookTimeoutMs: number;
  webhookConcurrency: number;
  /** Delivered webhook rows are kept this long for inspection, then pruned. */
  webhookRetentionMs: number;
  /** Share of `delivered` statuses skipped when the user reads at once (≤ 1 s later). */
  deliveredSkipShare: number;
  /** Share of multi-status webhook batches whose order is shuffled ("order is not guaranteed"). */
  reorderShare: number;
  /** Also send the legacy `X-Hub-Signature: sha1=…` header. */
  sendSha1Signature: boolean;
  /** Code of the failed status when the portfolio messaging limit is exhausted (no code is documented). */
  messagingLimitErrorCode: number;
  /** Delay of an automatic messaging-limit increase once half the limit was used (Meta: within 6 h). */
  tierUpgradeDelayMs: number;
  /** Management (template, WABA) Graph calls per WABA per rolling hour (Meta: 5,000 for an active WABA, 200 otherwise). */
  managementCallsPerHour: number;
  limits: { throughput: boolean; pairRate: boolean; managementCalls: boolean; messagingTier: boolean };
  /** Behaviour of a virtual customer created on first send to an unknown number. */
  defaultBehaviour: Behaviour;
  linkFetchTimeoutMs: number;
  /** Lifetime of media download URLs (Meta: 5 minutes). */
  mediaUrlTtlMs: number;
  /** Seconds between accepting a send and its `sent` status. */
  sentDelayMs: number;
  /** Least real time between two runs of the status-step loop or the webhook pump while work keeps
   * coming (batches work into fewer transactions and fuller webhook POSTs; adds at most this delay). */
  workBatchMs: number;
}

export const DEFAULT_BEHAVIOUR: Behaviour = {
  onWhatsApp: true,
  deliveryDelayMs: 500,
  readDelayMs: 3000,
  marketingOptOut: false,
  marketingCap: null,
  reply: null,
};

export const DEFAULT_TUNABLES: EmulatorTunables = {
  throttleHttpStatus: 429,
  strictUnknownFields: true,
  templateReviewDelayMs: 10_000,
  templateCap: 250,
  templateParamErrors: 'by-version',
  webhookRetryHorizonMs: 7 * 24 * 3_600_000,
  webhookBatchMax: 100,
  webhookTimeoutMs: 10_000,
  webhookConcurrency: 8,
  webhookRetentionMs: 24 * 3_600_000,
  deliveredSkipShare: 0.1,
  reorderShare: 0,
  sendSha1Signature: true,
  messagingLimitErrorCode: 131048,
  tierUpgradeDelayMs: 6 * 3_600_000,
  managementCallsPerHour: 5000,
  limits: { throughput: true, pairRate: true, managementCalls: true, messagingTier: true },
  defaultBehaviour: DEFAULT_BEHAVIOUR,
  linkFetchTimeoutMs: 10_000,
  mediaUrlTtlMs: 5 * 60_000,
  sentDelayMs: 0,
  workBatchMs: 5,
};
