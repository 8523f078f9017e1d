import type { Database } from '../../platform/db/database.ts';
import type { Logger } from '../../platform/logger.ts';
import { INBOX_EVENTS_CHANNEL } from './publish.ts';
import { headCursor, readInboxEvents, type StoredInboxEvent } from './read-events.ts';
import { INBOX_TYPING_CHANNEL, parseTyping } from './typing.ts';

/** A stored event (with its cursor), or an ephemeral one (typing: no cursor, never replayed). */
export type StreamEvent = StoredInboxEvent | { cursor?: undefined; type: string; payload: unknown; createdAt: number };

interface Subscriber {
  workspaceId: string;
  /** The signed-in user reading the stream (none for an API key): their own typing is not sent back. */
  userId: string | undefined;
  /** Last event delivered (undefined: start at the head on the next pump). */
  cursor: string | undefined;
  send(event: StreamEvent): void;
}

const PAGE = 500;

/**
 * Fans the inbox event log out to this process's SSE streams. Woken by NOTIFY after any
 * process commits events (PostgreSQL LISTEN; in-process on SQLite), and polled every second
 * as a safety net (on PostgreSQL a row becomes readable only when every older transaction has
 * ended, which may be after its own NOTIFY). One pump runs at a time: per workspace it reads
 * once for every stream that is at the hub's position, and separately for streams that resume
 * from an older Last-Event-ID or are ahead. Every delivery is a read strictly after that
 * stream's own cursor, so a stream sees each event once, in commit order, without gaps.
 */
export class InboxEventHub {
  private readonly subs = new Map<string, Set<Subscriber>>();
  private readonly hubCursor = new Map<string, string>();
  private pumping = false;
  private again = false;
  private unlisten: (() => Promise<void>) | undefined;
  private unlistenTyping: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly pollMs = 1000,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.database.notifications.listen(INBOX_EVENTS_CHANNEL, () => this.wake());
    this.unlistenTyping = await this.database.notifications.listen(INBOX_TYPING_CHANNEL, (payload) => this.typing(payload));
    this.timer = setInterval(() => {
      if (this.subs.size > 0) this.wake();
    }, this.pollMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.unlisten?.();
    await this.unlistenTyping?.();
    this.subs.clear();
  }

  /** Streams `workspaceId`'s events after `cursor` (or from now) to `send`; returns the unsubscribe. */
  subscribe(workspaceId: string, userId: string | undefined, cursor: string | undefined, send: (event: StreamEvent) => void): () => void {
    const sub: Subscriber = { workspaceId, userId, cursor, send };
    let set = this.subs.get(workspaceId);
    if (!set) this.subs.set(workspaceId, (set = new Set()));
    set.add(sub);
    this.wake();
    return () => {
      const s = this.subs.get(workspaceId);
      s?.delete(sub);
      if (s && s.size === 0) {
        this.subs.delete(workspaceId);
        this.hubCursor.delete(workspaceId);
      }
    };
  }

  streams(): number {
    let n = 0;
    for (const s of this.subs.values()) n += s.size;
    return n;
  }

  /** A typing signal from any process: to this process's other streams of the workspace, at once, unstored. */
  private typing(payload: string): void {
    const t = parseTyping(payload);
    if (!t) return;
    for (const s of this.subs.get(t.workspaceId) ?? []) {
      if (s.userId === t.user.id) continue;
      s.send({ type: 'typing', payload: { conversationId: t.conversationId, user: t.user }, createdAt: t.at });
    }
  }

  wake(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump()
      .catch((err: unknown) => this.logger.warn({ err }, 'inbox event pump failed; retrying on the next wake'))
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async pump(): Promise<void> {
    for (const [workspaceId, set] of [...this.subs]) {
      let hub = this.hubCursor.get(workspaceId) ?? (await headCursor(this.database, workspaceId));
      for (const s of set) if (s.cursor === undefined) s.cursor = hub;
      for (;;) {
        const rows = await readInboxEvents(this.database, workspaceId, hub, PAGE);
        if (rows.length === 0) break;
        for (const s of set) {
          if (s.cursor !== hub) continue;
          for (const r of rows) s.send(r);
          s.cursor = rows[rows.length - 1]!.cursor;
        }
        hub = rows[rows.length - 1]!.cursor;
        if (rows.length < PAGE) break;
      }
      if (this.subs.get(workspaceId) === set) this.hubCursor.set(workspaceId, hub);
      for (const s of set) {
        while (s.cursor !== hub && set.has(s)) {
          const rows = await readInboxEvents(this.database, workspaceId, s.cursor!, PAGE);
          for (const r of rows) s.send(r);
          if (rows.length > 0) s.cursor = rows[rows.length - 1]!.cursor;
          if (rows.length < PAGE) break;
        }
      }
    }
  }
}
