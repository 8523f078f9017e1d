/** Shapes the contacts API answers (src/contacts/contact-details.ts, import/imports.ts, segments/). */

export interface Contact {
  id: string;
  phone: string;
  countryCode: string;
  phoneNumber: string;
  userId: string | null;
  name: string | null;
  profileName: string | null;
  traits: Record<string, unknown>;
  tags: string[];
  whatsappOptedIn: boolean | null;
  marketingOptOut: { at: string; reason: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

export interface ContactImport {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | string;
  fileName: string | null;
  rowsDone: number;
  rowsTotal: number | null;
  rowsCreated: number;
  rowsUpdated: number;
  rowsFailed: number;
  rowsDuplicate: number;
  bytesDone: number;
  bytesTotal: number;
  percent: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface ImportMapping {
  phone: string;
  countryCode?: string;
  defaultCountryCode?: string;
  name?: string;
  userId?: string;
  traits?: Record<string, string>;
  tags?: string;
  staticTags?: string[];
}

export type ConditionType = 'trait' | 'tag' | 'event' | 'event_not_followed';

export interface SegmentCondition {
  type: ConditionType;
  trait?: string;
  op?: string;
  val?: unknown;
  tag?: string;
  event?: string;
  count?: number;
  withinDays?: number;
  notFollowedBy?: string;
  withinMs?: number;
  lookbackDays?: number;
}

export interface SegmentDefinition {
  match?: 'all' | 'any';
  conditions: SegmentCondition[];
}

export interface Segment {
  id: string;
  name: string;
  definition: SegmentDefinition;
  createdAt: string;
  updatedAt: string;
}
