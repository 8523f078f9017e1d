/** Shapes of the campaigns API (src/campaigns/campaign.ts, progress/campaign-progress.ts). */

export type CampaignStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';

export interface VariableSource {
  trait?: string;
  column?: string;
  value?: string;
  fallback?: string;
}

export interface CampaignProgress {
  recipients: number;
  audienceFrozen: boolean;
  pending: number;
  queued: number;
  sent: number;
  delivered: number;
  read: number;
  replied: number;
  clicked: number;
  converted: number;
  unknown: number;
  failed: { total: number; byReason: { code: number | null; reason: string; count: number; retryable: boolean }[] };
  skipped: { total: number; byReason: Record<string, number> };
  cancelled: number;
  cost: { amountMicros: number; currency: string | null };
  conversion: { event: string; windowHours: number; count: number; rate: number } | null;
  eta: { remaining: number; ratePerSecond: number; seconds: number; finishesAt: string | null; limitedBy: 'throughput' | 'messaging_limit' | null };
}

export interface Campaign {
  id: string;
  name: string;
  type: 'Broadcast' | 'PublicAPI' | 'Ongoing';
  status: CampaignStatus;
  statusReason: string | null;
  numberId: string | null;
  templateName: string;
  languageCode: string;
  audience: { kind: string; [k: string]: unknown };
  variables: { header?: VariableSource[]; body?: VariableSource[]; buttons?: Record<string, VariableSource[]> };
  trackedLinks: Record<string, string>;
  conversion: { event: string; windowHours: number } | null;
  scheduledAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  recipientCount: number;
  audienceFrozen: boolean;
  createdAt: string;
  updatedAt: string;
  progress?: CampaignProgress;
}

export interface Recipient {
  seq: number;
  phone: string;
  contactId: string | null;
  state: string;
  skipReason: string | null;
  messageId: string | null;
  attempts: number;
  messageStatus: string | null;
  errorCode: number | null;
  error: string | null;
}

export const RETARGET_STATES = [
  { value: 'delivered_not_read', label: 'Delivered but not read' },
  { value: 'read_not_clicked', label: 'Read but did not click' },
  { value: 'clicked_not_converted', label: 'Clicked but did not convert' },
  { value: 'not_delivered', label: 'Not delivered' },
  { value: 'failed', label: 'Failed' },
  { value: 'read', label: 'Read' },
  { value: 'clicked', label: 'Clicked' },
  { value: 'replied', label: 'Replied' },
] as const;

export function campaignTone(s: string): 'green' | 'amber' | 'red' | 'blue' | 'neutral' {
  if (s === 'completed') return 'green';
  if (s === 'running') return 'blue';
  if (s === 'scheduled' || s === 'paused') return 'amber';
  if (s === 'cancelled') return 'red';
  return 'neutral';
}

/** Recipients whose fate is settled (sent counts delivered and read too). */
export function doneCount(p: CampaignProgress): number {
  return p.sent + p.failed.total + p.skipped.total + p.cancelled + p.unknown;
}
