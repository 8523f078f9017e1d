import type { Database } from '../../platform/db/database.ts';

/**
 * Typing is ephemeral: never stored in inbox_events, never replayed after a reconnect, and shown
 * only to the *other* signed-in users of the workspace. It travels as a notification payload
 * (PostgreSQL NOTIFY between processes, the in-process bus on SQLite), so every process's stream
 * hub hears it once and hands it to its own streams.
 */
export const INBOX_TYPING_CHANNEL = 'samvad_inbox_typing';

export interface TypingSignal {
  workspaceId: string;
  conversationId: string;
  user: { id: string; name: string };
  at: number;
}

export async function publishTyping(database: Database, signal: TypingSignal): Promise<void> {
  await database.notifications.notify(INBOX_TYPING_CHANNEL, JSON.stringify(signal));
}

/** The signal in a notification payload, or null when it is not one (a foreign or truncated payload). */
export function parseTyping(payload: string): TypingSignal | null {
  try {
    const v = JSON.parse(payload) as Partial<TypingSignal>;
    if (typeof v.workspaceId !== 'string' || typeof v.conversationId !== 'string' || typeof v.at !== 'number') return null;
    if (!v.user || typeof v.user.id !== 'string' || typeof v.user.name !== 'string') return null;
    return v as TypingSignal;
  } catch {
    return null;
  }
}
