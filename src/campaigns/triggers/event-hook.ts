import type { Kysely } from 'kysely';
import { onContactEventsInTransaction, type ContactEvent } from '../../contacts/events/append-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { cachedEventNames, eventNamesThatMatter } from './interest-cache.ts';
import { campaignsOnContactEvent } from './on-contact-event.ts';

/**
 * Tracked contact events drive event-triggered sends, their stop rules and conversions, written
 * in the event's own transaction (the contacts module's in-transaction hook): the trigger row
 * exists if and only if the event does, so a crash between the two can lose nothing. Events whose
 * name no campaign of their workspace can care about cost a cached map lookup (interest-cache.ts).
 */
export async function campaignsOnContactEvents(db: Db, events: readonly ContactEvent[], nowMs: number): Promise<void> {
  for (const e of events) {
    const names = cachedEventNames(e.workspaceId) ?? (await eventNamesThatMatter(db, e.workspaceId, nowMs));
    const until = names.get(e.name);
    if (until === undefined || e.occurredAt > until) continue;
    await campaignsOnContactEvent(db, { workspaceId: e.workspaceId, contactId: e.contactId, name: e.name, atMs: e.occurredAt });
  }
}

let registered: { off: () => void; users: number } | undefined;

/**
 * Registers the hook once per process (the hook works on whichever database the event's
 * transaction is in, so two apps in one process must not register it twice: triggers would be
 * written twice). Returns the release function; the hook goes when the last user releases it.
 */
export function useCampaignEventHook(clock: Clock): () => void {
  if (!registered) {
    registered = { off: onContactEventsInTransaction((db: Kysely<any>, events) => campaignsOnContactEvents(db as Db, events, clock.nowMs())), users: 0 };
  }
  registered.users++;
  let released = false;
  return () => {
    if (released || !registered) return;
    released = true;
    if (--registered.users === 0) {
      registered.off();
      registered = undefined;
    }
  };
}
