import { useEffect, useRef } from 'react';

export interface InboxEvent {
  type: string;
  data: Record<string, any>;
}

const TYPES = ['message.received', 'message.status', 'conversation.assignment', 'conversation.status', 'conversation.labels', 'note.created', 'typing'];

/**
 * Subscribes to the inbox's Server-Sent Events (GET /api/v1/inbox/events, session cookie). The
 * browser's EventSource reconnects by itself and sends Last-Event-ID, so the server resumes
 * without gaps; the listener is kept in a ref so re-renders don't reconnect.
 */
export function useInboxEvents(listener: (e: InboxEvent) => void) {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => {
    const source = new EventSource('/api/v1/inbox/events');
    const handlers = TYPES.map((type) => {
      const h = (ev: MessageEvent<string>) => {
        try {
          ref.current({ type, data: JSON.parse(ev.data) as Record<string, any> });
        } catch {
          // a malformed event is skipped; the next list reload shows the truth
        }
      };
      source.addEventListener(type, h as EventListener);
      return [type, h] as const;
    });
    return () => {
      for (const [type, h] of handlers) source.removeEventListener(type, h as EventListener);
      source.close();
    };
  }, []);
}
