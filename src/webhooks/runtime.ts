/**
 * Process-level settings the event builders need but callers in other modules do not have at
 * hand (they record events inside their own transactions): how to turn a stored media key into a
 * URL a receiver can fetch. Set by setupWebhooks at start.
 */
export const webhooksRuntime: {
  mediaUrl: ((storedKey: string, nowMs: number) => string) | undefined;
} = { mediaUrl: undefined };
