import type { Kysely } from 'kysely';
import { AppError } from '../../platform/errors.ts';

export interface OptSettings {
  /** Whole-message keywords (any language) that opt a contact out of marketing. */
  stopKeywords: string[];
  /** Keywords that opt the contact back in. */
  startKeywords: string[];
  /** Confirmation sent as a session text after an opt-out ('' sends none). */
  stopReply: string;
  startReply: string;
}

export const DEFAULT_OPT_SETTINGS: OptSettings = {
  stopKeywords: ['STOP', 'UNSUBSCRIBE', 'STOP ALL', 'OPT OUT', 'OPTOUT'],
  startKeywords: ['START', 'SUBSCRIBE', 'UNSTOP', 'OPT IN', 'OPTIN'],
  stopReply: 'You will no longer receive marketing messages from us. Reply START to subscribe again.',
  startReply: 'You are subscribed to our messages again. Reply STOP to unsubscribe.',
};

/** How keywords and messages are compared: trimmed, case-folded (any script), inner spaces collapsed. */
export function normalizeKeyword(s: string): string {
  return s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase();
}

export async function getOptSettings(db: Kysely<any>, workspaceId: string): Promise<OptSettings> {
  const row = await db.selectFrom('contact_opt_settings').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (!row) return DEFAULT_OPT_SETTINGS;
  return {
    stopKeywords: JSON.parse(row.stop_keywords) as string[],
    startKeywords: JSON.parse(row.start_keywords) as string[],
    stopReply: row.stop_reply,
    startReply: row.start_reply,
  };
}

function checkKeywords(field: string, list: unknown): string[] {
  if (!Array.isArray(list) || list.length > 50) throw new AppError('validation_failed', `${field} must be an array of at most 50 keywords`, [{ field }]);
  return list.map((k, i) => {
    if (typeof k !== 'string' || k.trim() === '' || k.length > 64) throw new AppError('validation_failed', `${field}[${i}] must be a non-empty string of at most 64 characters`, [{ field: `${field}[${i}]` }]);
    return k.trim();
  });
}

/** Replaces the workspace's keywords/replies (fields not given keep their current value). */
export async function updateOptSettings(db: Kysely<any>, workspaceId: string, patch: Partial<OptSettings>, nowMs: number): Promise<OptSettings> {
  const current = await getOptSettings(db, workspaceId);
  const next: OptSettings = {
    stopKeywords: patch.stopKeywords !== undefined ? checkKeywords('stopKeywords', patch.stopKeywords) : current.stopKeywords,
    startKeywords: patch.startKeywords !== undefined ? checkKeywords('startKeywords', patch.startKeywords) : current.startKeywords,
    stopReply: patch.stopReply ?? current.stopReply,
    startReply: patch.startReply ?? current.startReply,
  };
  for (const f of ['stopReply', 'startReply'] as const) {
    if (next[f].length > 4096) throw new AppError('validation_failed', `${f} is at most 4096 characters (a WhatsApp text)`, [{ field: f }]);
  }
  const stop = new Set(next.stopKeywords.map(normalizeKeyword));
  const clash = next.startKeywords.find((k) => stop.has(normalizeKeyword(k)));
  if (clash) throw new AppError('validation_failed', `"${clash}" cannot be both a stop and a start keyword`, [{ field: 'startKeywords' }]);
  const values = {
    stop_keywords: JSON.stringify(next.stopKeywords),
    start_keywords: JSON.stringify(next.startKeywords),
    stop_reply: next.stopReply,
    start_reply: next.startReply,
    updated_at: nowMs,
  };
  await db
    .insertInto('contact_opt_settings')
    .values({ workspace_id: workspaceId, ...values })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
    .execute();
  return next;
}
