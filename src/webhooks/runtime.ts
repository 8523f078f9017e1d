import type { SecretBox } from '../channels/whatsapp/secret-box.ts';

/**
 * Process-level settings the event builders need but callers in other modules do not have at
 * hand (they record events inside their own transactions): how to turn a stored media key into a
 * URL a receiver can fetch. Set by setupWebhooks at start.
 */
export const webhooksRuntime: {
  mediaUrl: ((storedKey: string, nowMs: number) => string) | undefined;
} = { mediaUrl: undefined };

/** The SecretBox label of an endpoint's secret: bound to the row, so a sealed secret cannot be moved to another endpoint. */
export function secretLabel(endpointId: string): string {
  return `webhook_endpoints.secret/${endpointId}`;
}

/** The endpoint's HMAC key from its stored row (sealed, or plain for rows not yet sealed). */
export function openEndpointSecret(secrets: SecretBox, row: { id: string; secret: string; secret_sealed: number | string }): string {
  return Number(row.secret_sealed) === 1 ? secrets.open(row.secret, secretLabel(row.id)) : row.secret;
}
