/**
 * Analytics read models. `analytics_message_slots` holds message counts per 15-minute UTC slot
 * (every IANA zone's offset is a multiple of 15 minutes, so slots regroup exactly into local
 * days and hours) for slots older than the rollup horizon; newer messages are counted live.
 */
export interface AnalyticsMessageSlotsTable {
  workspace_id: string;
  /** Slot start, UTC ms (a multiple of 900,000). Messages count in the slot of their created_at. */
  slot: number;
  number_id: string;
  /** api, campaign, agent, automation (outbound); customer (inbound). */
  source: string;
  direction: string;
  total: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
}

/** Per workspace: slots before `rolled_until` are in analytics_message_slots. */
export interface AnalyticsRollupStateTable {
  workspace_id: string;
  rolled_until: number;
  updated_at: number;
}

declare module '../platform/db/tables.ts' {
  interface Tables {
    analytics_message_slots: AnalyticsMessageSlotsTable;
    analytics_rollup_state: AnalyticsRollupStateTable;
  }
}
