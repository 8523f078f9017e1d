import { useCallback, useEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import { api, errorMessage } from '../../lib/api.ts';
import { useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, ErrorBlock, Spinner, useToast } from '../../lib/ui/index.ts';
import { Composer } from './Composer.tsx';
import { ContactPanel } from './ContactPanel.tsx';
import { remaining } from './format.ts';
import { MessageBubble } from './MessageBubble.tsx';
import { contactName, type ConversationCard, type ConversationState, type Label, type Member, type MessageView, type Note, type Template } from './types.ts';

interface Props {
  card: ConversationCard;
  members: Member[];
  labels: Label[];
  /** Bumped by live events that concern this conversation. */
  version: number;
  typingBy: string | null;
  onChanged: () => void;
}

/** One conversation: header (window countdown, assignment, labels, close), messages and notes, reply box, contact. */
export function ChatView({ card, members, labels, version, typingBy, onChanged }: Props) {
  const me = useSignedIn();
  const toast = useToast();
  const id = card.conversationId;
  const templates = useApi((signal) => api.get<{ data: Template[] }>('/api/v1/templates', undefined, signal), []);
  const messages = useApi((signal) => api.get<{ data: MessageView[] }>(`/api/v1/contacts/${card.contact.id}/messages`, { limit: 100 }, signal), [card.contact.id, version]);
  const notes = useApi((signal) => api.get<{ data: Note[] }>(`/api/v1/inbox/conversations/${id}/notes`, undefined, signal), [id, version]);
  const state = useApi((signal) => api.get<ConversationState>(`/api/v1/inbox/conversations/${id}`, undefined, signal), [id, version]);
  const teams = useApi((signal) => api.get<{ data: { id: string; name: string; autoAssign: boolean }[] }>('/api/v1/teams', undefined, signal), []);
  const [now, setNow] = useState(Date.now());
  const [showContact, setShowContact] = useState(false);
  const endRef = useRef<HTMLLIElement>(null);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);

  const windowLeft = remaining(card.windowOpenUntil, now);
  const windowOpen = windowLeft !== null;
  const ordered = [...(messages.data?.data ?? [])].filter((m) => m.numberId === card.numberId);
  const items: ({ kind: 'm'; at: string; m: MessageView } | { kind: 'n'; at: string; n: Note })[] = [
    ...ordered.map((m) => ({ kind: 'm' as const, at: m.createdAt ?? '', m })),
    ...(notes.data?.data ?? []).map((n) => ({ kind: 'n' as const, at: n.createdAt, n })),
  ].sort((a, b) => a.at.localeCompare(b.at));

  useEffect(() => {
    endRef.current?.scrollIntoView({ block: 'end' });
  }, [items.length]);

  // Opening the chat (and every live change while it is open) reads it: the unread count goes to 0.
  const unread = card.unreadCount;
  useEffect(() => {
    if (unread > 0) void api.post(`/api/v1/inbox/conversations/${id}/read`).then(onChanged, () => undefined);
  }, [id, unread, version, onChanged]);

  const act = useCallback(
    async (what: () => Promise<unknown>, done: string) => {
      try {
        await what();
        toast.show(done, 'success');
        state.reload();
        onChanged();
      } catch (err) {
        toast.show(errorMessage(err), 'error');
      }
    },
    [toast, state, onChanged],
  );

  const s = state.data;
  const assignee = members.find((m) => m.id === s?.assigneeId);
  const nameOf = (userId: string | null) => members.find((m) => m.id === userId)?.name ?? 'Someone';

  return (
    <div className="chat-wrap">
      <section className="chat" aria-label={`Conversation with ${contactName(card.contact)}`}>
        <header className="chat-head">
          <Link href="/inbox" className="back-link">
            <span aria-hidden="true">←</span>
            <span className="visually-hidden">Back to conversations</span>
          </Link>
          <div className="chat-who">
            <h2 data-testid="chat-title">{contactName(card.contact)}</h2>
            <span className="muted small">+{card.contact.phone}</span>
          </div>
          <span className={windowOpen ? 'window-timer open' : 'window-timer closed'} data-testid="window" title="WhatsApp's 24-hour customer service window">
            {windowOpen ? `Window open · ${windowLeft} left` : 'Window closed'}
          </span>
          <div className="chat-actions">
            <label className="visually-hidden" htmlFor="assignee">
              Assigned to
            </label>
            <select
              id="assignee"
              className="input input-sm"
              value={s?.assigneeId ?? ''}
              onChange={(e) => {
                const v = e.target.value;
                void act(() => (v ? api.post(`/api/v1/inbox/conversations/${id}/assign`, { agentId: v }) : api.post(`/api/v1/inbox/conversations/${id}/unassign`)), v ? `Assigned to ${nameOf(v)}` : 'Unassigned');
              }}
            >
              <option value="">Unassigned</option>
              {members
                .filter((m) => m.active)
                .map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.id === me.user.id ? `${m.name} (me)` : m.name}
                  </option>
                ))}
            </select>
            {(teams.data?.data.length ?? 0) > 0 && (
              <>
                <label className="visually-hidden" htmlFor="team">
                  Team
                </label>
                <select
                  id="team"
                  className="input input-sm"
                  value={s?.teamId ?? ''}
                  onChange={(e) => {
                    if (e.target.value === '') {
                      void act(() => api.post(`/api/v1/inbox/conversations/${id}/remove-team`), 'Taken off its team');
                      return;
                    }
                    const t = teams.data?.data.find((x) => x.id === e.target.value);
                    if (!t) return;
                    // The team's round robin picks an available member under its cap, if it auto-assigns.
                    void act(() => api.post(`/api/v1/inbox/conversations/${id}/assign-team`, { teamId: t.id, autoAssign: t.autoAssign }), `Moved to team ${t.name}`);
                  }}
                >
                  <option value="" disabled={!s?.teamId}>
                    No team
                  </option>
                  {teams.data?.data.map((t) => (
                    <option key={t.id} value={t.id}>
                      Team: {t.name}
                    </option>
                  ))}
                </select>
              </>
            )}
            {s?.status === 'closed' ? (
              <Button size="sm" variant="secondary" onClick={() => void act(() => api.post(`/api/v1/inbox/conversations/${id}/reopen`), 'Reopened')}>
                Reopen
              </Button>
            ) : (
              <Button size="sm" variant="secondary" onClick={() => void act(() => api.post(`/api/v1/inbox/conversations/${id}/close`), 'Closed')}>
                Close
              </Button>
            )}
            <Button size="sm" variant="ghost" aria-expanded={showContact} onClick={() => setShowContact((v) => !v)}>
              Contact
            </Button>
          </div>
          <LabelEditor conversationId={id} current={s?.labels ?? card.labels} labels={labels} onChange={(next) => void act(() => api.put(`/api/v1/inbox/conversations/${id}/labels`, { labels: next }), 'Labels saved')} />
          {assignee && <span className="visually-hidden">Assigned to {assignee.name}</span>}
        </header>
        {messages.error && <ErrorBlock message={messages.error} onRetry={messages.reload} />}
        {!messages.data && messages.loading ? (
          <Spinner />
        ) : (
          <ol className="messages" aria-live="polite" aria-label="Messages" tabIndex={0}>
            {items.map((i) =>
              i.kind === 'm' ? (
                <MessageBubble key={i.m.id} m={i.m} templates={templates.data?.data} />
              ) : (
                <li key={i.n.id} className="bubble-row note" data-testid="note">
                  <div className="bubble note-bubble">
                    <span className="bubble-kind">Private note · {nameOf(i.n.authorId)}</span>
                    <p className="bubble-text">{i.n.body}</p>
                  </div>
                </li>
              ),
            )}
            <li ref={endRef} aria-hidden="true" />
          </ol>
        )}
        {typingBy && (
          <p className="typing" role="status">
            {typingBy} is typing…
          </p>
        )}
        <Composer conversationId={id} contactId={card.contact.id} windowOpen={windowOpen} onSent={() => { messages.reload(); notes.reload(); onChanged(); }} />
      </section>
      {showContact && <ContactPanel contactId={card.contact.id} refreshKey={version} />}
    </div>
  );
}

function LabelEditor({ conversationId, current, labels, onChange }: { conversationId: string; current: string[]; labels: Label[]; onChange: (next: string[]) => void }) {
  const available = labels.filter((l) => !current.includes(l.name));
  return (
    <div className="label-editor">
      {current.map((l) => (
        <span key={l} className="label-chip">
          <Badge tone="blue">{l}</Badge>
          <button type="button" className="icon-btn small" aria-label={`Remove label ${l}`} onClick={() => onChange(current.filter((x) => x !== l))}>
            ×
          </button>
        </span>
      ))}
      {available.length > 0 && (
        <>
          <label className="visually-hidden" htmlFor={`add-label-${conversationId}`}>
            Add a label
          </label>
          <select id={`add-label-${conversationId}`} className="input input-sm label-add" value="" onChange={(e) => e.target.value && onChange([...current, e.target.value])}>
            <option value="">+ Label</option>
            {available.map((l) => (
              <option key={l.id} value={l.name}>
                {l.name}
              </option>
            ))}
          </select>
        </>
      )}
    </div>
  );
}
