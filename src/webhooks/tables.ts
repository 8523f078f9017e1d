import type { Generated } from 'kysely';

/**
 * Outbound webhooks: the workspace's endpoints, the event feed (every event Samvad emits, in
 * Interakt's format, also served by the polling API), one delivery row per (event, endpoint), and
 * notices for the workspace (an endpoint disabled after failing continuously).
 */
export interface WebhookEndpointsTable {
  id: string;
  workspace_id: string;
  url: string;
  /**
   * HMAC key of Interakt-Signature and X-Samvad-Signature, sealed with the instance's SecretBox
   * (label `webhook_endpoints.secret/<id>`) when `secret_sealed` is 1. Never logged; answered on
   * create only. Rows written before 0064 hold it plain (0) until the next worker start seals them.
   */
  secret: string;
  secret_sealed: number;
  /** JSON array of event types this endpoint receives; [] means every type. */
  event_types: string;
  /** active or disabled. */
  status: string;
  disabled_reason: string | null;
  /** Start of the current run of failed attempts (null after any success). */
  failing_since: number | null;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookEventsTable {
  /** Insertion order (autoincrement / bigserial). On PostgreSQL the feed orders by (txid, seq). */
  seq: Generated<number>;
  /** The event id (X-Samvad-Event-Id): stable across retries and redeliveries. */
  id: string;
  workspace_id: string;
  type: string;
  contact_id: string | null;
  /** The exact JSON body receivers get. */
  payload: string;
  created_at: number;
}

/** pending (waiting or leased), delivered, dead (gave up; releases the contact's queue). */
export type DeliveryState = 'pending' | 'delivered' | 'dead';

export interface WebhookDeliveriesTable {
  seq: Generated<number>;
  id: string;
  workspace_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  /** Deliveries of one (endpoint, contact_key) go out one at a time, oldest first; null: unordered. */
  contact_key: string | null;
  state: DeliveryState;
  attempts: number;
  /** Due time while pending; while leased, the lease's expiry (a dead worker's claim comes back then). */
  next_attempt_at: number | null;
  lease_token: string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: number | null;
  delivered_at: number | null;
  /** A redelivery names the delivery it repeats. */
  replay_of: string | null;
  created_at: number;
}

export interface WebhookNoticesTable {
  id: string;
  workspace_id: string;
  endpoint_id: string | null;
  /** endpoint_disabled */
  kind: string;
  message: string;
  created_at: number;
}

declare module '../platform/db/tables.ts' {
  interface Tables {
    webhook_endpoints: WebhookEndpointsTable;
    webhook_events: WebhookEventsTable;
    webhook_deliveries: WebhookDeliveriesTable;
    webhook_notices: WebhookNoticesTable;
  }
}
