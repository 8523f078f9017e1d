/** Inputs of the payload builders: plain values, so any module can build without our tables. */

/** Interakt's `data.customer` source. */
export interface CustomerInput {
  id: string;
  /** wa_id: country code + number, digits only. */
  phone: string;
  /** '+91' */
  countryCode: string;
  /** '9876543210' */
  phoneNational: string;
  name: string | null;
  /** The contact's custom traits (all of them go out, as Interakt sends them). */
  traits: Record<string, unknown>;
  whatsappOptedIn: boolean | null;
  /** The brand's own id (Interakt's "User Id" trait). */
  userId: string | null;
  createdAt?: number;
}

/** A template as embedded in `raw_template` (reference §6.1, the fields Samvad has). */
export interface TemplateInput {
  id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  providerTemplateId: string | null;
  /** Meta's components (HEADER, BODY, FOOTER, BUTTONS, CAROUSEL). */
  components: Record<string, unknown>[];
  createdAt: number;
  updatedAt: number;
  rejectedReason: string | null;
}

/** Interakt's `data.message` source: a message row in neutral terms. */
export interface MessageInput {
  id: string;
  direction: 'outbound' | 'inbound';
  /** api, campaign, agent, automation, customer. */
  source: string;
  /** Cloud API type: text, image, template, interactive, button, ... */
  type: string;
  /** The Cloud API message object ({type, [type]: {...}}). */
  content: Record<string, unknown>;
  /** Samvad status: sent, delivered, read, failed, received, ... */
  status: string;
  createdAt: number;
  deliveredAt: number | null;
  readAt: number | null;
  campaignId: string | null;
  callbackData: string | null;
  errorCode: number | null;
  errorTitle: string | null;
  errorDetails?: string | null;
  /** Samvad's own URL of the message's media (inbound), if any. */
  mediaUrl: string | null;
  template: TemplateInput | null;
  /** From the cost ledger, once the message is delivered and billable. */
  cost: { currency: string; amountMicros: number } | null;
  /** Inbound replies: the replied message's wamid and the sender. */
  context?: { from: string; id: string } | null;
}

/** Every body starts with this envelope (reference §8.4). */
export interface EventBody<T extends string = string, D = unknown> {
  version: '1.0';
  timestamp: string;
  type: T;
  data: D;
}
