import type { Selectable } from 'kysely';
import type { BusinessNumbersTable } from '../tables.ts';

export type BusinessNumberRow = Selectable<BusinessNumbersTable>;

/** A connected number as APIs show it: secrets appear only as `has…` flags, never their values. */
export interface BusinessNumber {
  id: string;
  workspaceId: string;
  phoneNumberId: string;
  wabaId: string;
  businessId: string;
  displayPhoneNumber: string;
  verifiedName: string | null;
  graphBaseUrl: string;
  throughputMps: number;
  messagingLimitTier: string;
  qualityRating: string | null;
  isDefault: boolean;
  isSandbox: boolean;
  hasAccessToken: boolean;
  hasAppSecret: boolean;
  hasVerifyToken: boolean;
  dispatchPaused: boolean;
  dispatchPausedAt: string | null;
  dispatchPauseReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toBusinessNumber(row: BusinessNumberRow): BusinessNumber {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    phoneNumberId: row.phone_number_id,
    wabaId: row.waba_id,
    businessId: row.business_id,
    displayPhoneNumber: row.display_phone_number,
    verifiedName: row.verified_name,
    graphBaseUrl: row.graph_base_url,
    throughputMps: Number(row.throughput_mps),
    messagingLimitTier: row.messaging_limit_tier,
    qualityRating: row.quality_rating,
    isDefault: Number(row.is_default) === 1,
    isSandbox: Number(row.is_sandbox) === 1,
    hasAccessToken: row.access_token_enc !== '',
    hasAppSecret: row.app_secret_enc !== '',
    hasVerifyToken: row.verify_token_enc !== '',
    dispatchPaused: row.dispatch_paused_at !== null,
    dispatchPausedAt: row.dispatch_paused_at === null ? null : new Date(Number(row.dispatch_paused_at)).toISOString(),
    dispatchPauseReason: row.dispatch_pause_reason,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}

/** Labels bound to each sealed column (AES-GCM associated data). */
export const SECRET_LABEL = {
  accessToken: 'business_numbers.access_token',
  appSecret: 'business_numbers.app_secret',
  verifyToken: 'business_numbers.verify_token',
} as const;

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.facebook.com/v21.0';
export const DEFAULT_THROUGHPUT_MPS = 80;
export const TIERS = ['TIER_250', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED'] as const;
