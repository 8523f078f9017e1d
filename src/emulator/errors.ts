/**
 * Meta's Graph/Cloud API error model (reference: cloud-api-limits.md §1, cloud-api-payloads.md §1.10).
 *
 * Sync errors answer `{"error":{message:"(#code) title", type:"OAuthException", code, error_data:{messaging_product,details}, fbtrace_id}}`.
 * Async errors (failed status webhooks, inbound errors) use `{code, title, message: title, error_data:{details}, href}`.
 */
import { randomBytes } from 'node:crypto';

export interface ErrorInfo {
  title: string;
  /** Meta's "details" text (sync responses). */
  details: string;
  /** Details text Meta uses in webhooks, where it differs. */
  webhookDetails?: string;
  /** HTTP status when returned synchronously (Meta's older table; see README). */
  http: number;
  /** A throttling code: HTTP status follows `throttleHttpStatus`. */
  throttle?: boolean;
}

export const META_ERRORS: Record<number, ErrorInfo> = {
  0: { title: 'AuthException', details: 'We were unable to authenticate the app user.', http: 401 },
  4: { title: 'API Too Many Calls', details: 'The app has reached its API call rate limit.', http: 400, throttle: true },
  10: { title: 'Permission Denied', details: 'Permission is either not granted or has been removed.', http: 403 },
  100: { title: 'Invalid parameter', details: 'The request included one or more unsupported or misspelled parameters.', http: 400 },
  190: { title: 'Access token has expired', details: 'Your access token has expired.', http: 401 },
  200: { title: 'API Permission', details: 'Permission is either not granted or has been removed.', http: 403 },
  80007: { title: 'Rate limit issues', details: 'The WhatsApp Business Account has reached its rate limit.', http: 400, throttle: true },
  130429: {
    title: 'Rate limit hit',
    details: 'Cloud API message throughput has been reached.',
    webhookDetails: 'Message failed to send because there were too many messages sent from this phone number in a short period of time',
    http: 400,
    throttle: true,
  },
  131000: { title: 'Something went wrong', details: 'Message failed to send due to an unknown error.', http: 500 },
  131005: { title: 'Access denied', details: 'Permission is either not granted or has been removed.', http: 403 },
  131008: { title: 'Required parameter is missing', details: 'The request is missing a required parameter.', http: 400 },
  131009: { title: 'Parameter value is not valid', details: 'One or more parameter values are invalid.', http: 400 },
  131016: { title: 'Service unavailable', details: 'A service is temporarily unavailable.', http: 500 },
  131021: { title: 'Recipient cannot be sender', details: 'Sender and recipient phone number is the same.', http: 400 },
  131026: { title: 'Message Undeliverable', details: 'Unable to deliver message.', http: 400 },
  131042: {
    title: 'Business eligibility payment issue',
    details: 'There was an error related to your payment method.',
    webhookDetails: 'Message failed to send because there were one or more errors related to your payment method.',
    http: 400,
  },
  131047: {
    title: 'Re-engagement message',
    details: 'More than 24 hours have passed since the recipient last replied to the sender number.',
    webhookDetails: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    http: 400,
  },
  131048: {
    title: 'Spam rate limit hit',
    details:
      'Message failed to send because there are restrictions on how many messages can be sent from this phone number. This may be because too many previous messages were blocked or flagged as spam.',
    http: 400,
    throttle: true,
  },
  131049: {
    title: 'This message was not delivered to maintain healthy ecosystem engagement.',
    details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
    http: 400,
  },
  131050: {
    title: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
    details: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
    http: 400,
  },
  131051: { title: 'Unsupported message type', details: 'Unsupported message type.', http: 400 },
  131052: { title: 'Media download error', details: 'Unable to download the media sent by the user.', http: 400 },
  131053: { title: 'Media upload error', details: 'Unable to upload the media used in the message.', http: 400 },
  131056: {
    title: '(Business Account, Consumer Account) pair rate limit hit',
    details: 'Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.',
    http: 400,
    throttle: true,
  },
  132000: {
    title: 'Template Param Count Mismatch',
    details: 'The number of variable parameter values included in the request did not match the number of variable parameters defined in the template.',
    http: 400,
  },
  132001: {
    title: 'Template does not exist',
    details: 'The template does not exist in the specified language or the template has not been approved.',
    http: 404,
  },
  132005: { title: 'Template Hydrated Text Too Long', details: 'Translated text is too long.', http: 400 },
  132007: { title: 'Template Format Character Policy Violated', details: 'Template content violates a WhatsApp policy.', http: 400 },
  132012: { title: 'Template Parameter Format Mismatch', details: 'Variable parameter values formatted incorrectly.', http: 400 },
  132015: { title: 'Template is Paused', details: 'Template is paused due to low quality so it cannot be sent in a template message.', http: 400 },
  132016: {
    title: 'Template is Disabled',
    details: 'Template has been paused too many times due to low quality and is now permanently disabled.',
    http: 400,
  },
  132018: { title: 'Template validation error', details: 'There was an issue with the parameters in your template.', http: 400 },
  133010: { title: 'Phone number Not Registered', details: 'Phone number not registered on the WhatsApp Business Platform.', http: 400 },
};

export const ERROR_HREF = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/';

export interface GraphErrorExtra {
  /** Overrides the envelope's `message` (e.g. 190's "Invalid OAuth access token - Cannot parse access token"). */
  message?: string;
  subcode?: number;
  userTitle?: string;
  userMsg?: string;
  httpStatus?: number;
  /** Omit error_data (Graph-level errors such as 190 carry none). */
  noErrorData?: boolean;
}

/** A Graph error answered synchronously in Meta's envelope. */
export class GraphError extends Error {
  readonly code: number;
  readonly details: string;
  readonly extra: GraphErrorExtra;
  constructor(code: number, details?: string, extra: GraphErrorExtra = {}) {
    const info = META_ERRORS[code];
    super(extra.message ?? `(#${code}) ${info?.title ?? 'Error'}`);
    this.name = 'GraphError';
    this.code = code;
    this.details = details ?? info?.details ?? '';
    this.extra = extra;
  }
}

export function fbtraceId(): string {
  return randomBytes(17).toString('base64url');
}

export function httpStatusFor(err: GraphError, throttleHttpStatus: number): number {
  if (err.extra.httpStatus) return err.extra.httpStatus;
  const info = META_ERRORS[err.code];
  if (info?.throttle) return throttleHttpStatus;
  return info?.http ?? 400;
}

export function errorEnvelope(err: GraphError): { error: Record<string, unknown> } {
  const body: Record<string, unknown> = {
    message: err.message,
    type: 'OAuthException',
    code: err.code,
  };
  if (!err.extra.noErrorData) body.error_data = { messaging_product: 'whatsapp', details: err.details };
  if (err.extra.subcode !== undefined) body.error_subcode = err.extra.subcode;
  if (err.extra.userTitle !== undefined) {
    body.is_transient = false;
    body.error_user_title = err.extra.userTitle;
    body.error_user_msg = err.extra.userMsg ?? err.details;
  }
  body.fbtrace_id = fbtraceId();
  return { error: body };
}

/** The asynchronous (webhook) error object. */
export interface WebhookError {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
  href: string;
}

export function webhookError(code: number, details?: string): WebhookError {
  const info = META_ERRORS[code];
  const title = info?.title ?? 'Error';
  return {
    code,
    title,
    message: title,
    error_data: { details: details ?? info?.webhookDetails ?? info?.details ?? title },
    href: ERROR_HREF,
  };
}
