/**
 * Messages and everything that moves them: the per-number dispatch queue and its lease, the
 * conversation of each (number, contact) with its 24-hour service window, idempotency keys, the
 * status timeline, the portfolio's messaging-limit ledger, and the cost ledger with its rate card.
 */

/** Outbound: queued → sending → sent → delivered → read, or failed / expired / unknown. Inbound: received. */
export type MessageStatus = 'queued' | 'sending' | 'unknown' | 'sent' | 'delivered' | 'read' | 'failed' | 'expired' | 'received';

export interface MessagesTable {
  /** Samvad's message id (the `id` of Interakt's 201 answer); sent to Meta in biz_opaque_callback_data. */
  id: string;
  workspace_id: string;
  /** business_numbers.id the message goes out from (or came in to). */
  number_id: string;
  contact_id: string;
  /** The customer's wa_id (E.164 digits, no '+'). */
  recipient: string;
  direction: 'outbound' | 'inbound';
  /** Cloud API message type: text, image, video, audio, document, sticker, location, contacts, reaction, interactive, template, order, button, ... */
  type: string;
  /** JSON: the Cloud API message object for this type, e.g. {"type":"text","text":{"body":"hi"}} (see content.ts). */
  content: string;
  /** api, campaign, agent, automation (outbound); customer (inbound). */
  source: string;
  callback_data: string | null;
  campaign_id: string | null;
  /** wamid of the message this one replies to. */
  reply_to_wamid: string | null;
  template_name: string | null;
  template_language: string | null;
  template_category: string | null;
  /** Meta's message id, once accepted (outbound) or as received (inbound). */
  wamid: string | null;
  status: MessageStatus;
  error_code: number | null;
  error_title: string | null;
  error_details: string | null;
  /** From Meta's pricing object: marketing, utility, authentication, service, ... */
  pricing_category: string | null;
  /** regular, free_customer_service, free_entry_point */
  pricing_type: string | null;
  billable: number | null;
  attempts: number;
  /** Outbound: a message still queued at this time fails as expired (time to live). */
  expires_at: number | null;
  created_at: number;
  sent_at: number | null;
  delivered_at: number | null;
  read_at: number | null;
  failed_at: number | null;
  updated_at: number;
}

/** Every status a message went through, as Meta reported it (the status timeline). */
export interface MessageStatusEventsTable {
  id: string;
  message_id: string;
  workspace_id: string;
  status: string;
  /** When Meta says it happened (status timestamp), ms. */
  occurred_at: number;
  received_at: number;
  error_code: number | null;
  error_title: string | null;
}

/** Outbound messages waiting to be dispatched; the row is deleted once the send is resolved. */
export interface DispatchQueueTable {
  message_id: string;
  number_id: string;
  workspace_id: string;
  recipient: string;
  /** Lower goes first: 0 agent replies, 10 API sends, 20 campaign sends. */
  priority: number;
  /** Not before this time (retry backoff). */
  run_at: number;
  expires_at: number;
  attempts: number;
  last_error: string | null;
  created_at: number;
}

/** Which worker dispatches a number's messages (one owner at a time). */
export interface NumberLeasesTable {
  number_id: string;
  owner: string;
  token: string;
  expires_at: number;
}

/** One per (number, contact): the thread, its 24-hour service window and unread count. */
export interface ConversationsTable {
  id: string;
  workspace_id: string;
  number_id: string;
  contact_id: string;
  last_message_id: string | null;
  last_message_at: number | null;
  last_inbound_at: number | null;
  /** The customer service window is open until this time (last inbound + 24 h). */
  window_expires_at: number | null;
  /** A free entry point window (click-to-WhatsApp ad) is open until this time (72 h). */
  fep_expires_at: number | null;
  unread_count: number;
  created_at: number;
  updated_at: number;
}

/** `Idempotency-Key` on send requests: a repeat within 24 hours gets the first answer. */
export interface IdempotencyKeysTable {
  workspace_id: string;
  key: string;
  /** SHA-256 of the request body, to refuse the same key with a different body. */
  request_hash: string;
  status_code: number;
  response_body: string;
  created_at: number;
  expires_at: number;
}

/** Unique users reached outside a service window per portfolio (Meta's messaging limit, moving 24 h). */
export interface PortfolioRecipientsTable {
  business_id: string;
  recipient: string;
  last_at: number;
}

/** What Meta charges per delivered billable message, with zero markup. */
export interface CostLedgerTable {
  id: string;
  workspace_id: string;
  message_id: string;
  number_id: string;
  category: string;
  pricing_type: string | null;
  /** ISO country (IN) or Meta region name. */
  market: string;
  currency: string;
  /** Amount in millionths of the currency unit (₹0.8631 → 863100). */
  amount_micros: number;
  billable: number;
  occurred_at: number;
}

export interface RateCardsTable {
  id: string;
  market: string;
  category: string;
  currency: string;
  amount_micros: number;
  effective_from: number;
}

declare module '../platform/db/tables.ts' {
  interface Tables {
    messages: MessagesTable;
    message_status_events: MessageStatusEventsTable;
    dispatch_queue: DispatchQueueTable;
    number_leases: NumberLeasesTable;
    conversations: ConversationsTable;
    idempotency_keys: IdempotencyKeysTable;
    portfolio_recipients: PortfolioRecipientsTable;
    cost_ledger: CostLedgerTable;
    rate_cards: RateCardsTable;
  }
}
