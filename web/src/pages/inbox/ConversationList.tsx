import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { Badge, Button, ErrorBlock, Spinner } from '../../lib/ui/index.ts';
import { shortTime } from './format.ts';
import { contactName, type ConversationCard, type Label } from './types.ts';

export interface ListFilters {
  view: 'mine' | 'unassigned' | 'all';
  status: 'open' | 'closed';
  label: string;
  q: string;
}

interface Props {
  filters: ListFilters;
  onFilters: (f: ListFilters) => void;
  items: ConversationCard[];
  loading: boolean;
  error: string | undefined;
  hasMore: boolean;
  onMore: () => void;
  onRetry: () => void;
  selectedId: string | undefined;
  labels: Label[];
  onNew: () => void;
}

const VIEWS: { value: ListFilters['view']; label: string }[] = [
  { value: 'mine', label: 'Mine' },
  { value: 'unassigned', label: 'Unassigned' },
  { value: 'all', label: 'All' },
];

/** The left pane: view tabs, open/closed, label filter, search, and the conversations (paged). */
export function ConversationList({ filters, onFilters, items, loading, error, hasMore, onMore, onRetry, selectedId, labels, onNew }: Props) {
  const [search, setSearch] = useState(filters.q);
  // Search as the agent types, a moment after they stop.
  useEffect(() => {
    const t = setTimeout(() => {
      if (search !== filters.q) onFilters({ ...filters, q: search });
    }, 250);
    return () => clearTimeout(t);
  }, [search, filters, onFilters]);

  return (
    <section className="inbox-list" aria-label="Conversations">
      <div className="inbox-list-head">
        <div className="inbox-title-row">
          <h1>Inbox</h1>
          <Button size="sm" onClick={onNew}>
            New conversation
          </Button>
        </div>
        <div className="segmented" role="group" aria-label="Which conversations">
          {VIEWS.map((v) => (
            <button key={v.value} type="button" className={filters.view === v.value ? 'seg active' : 'seg'} aria-pressed={filters.view === v.value} onClick={() => onFilters({ ...filters, view: v.value })}>
              {v.label}
            </button>
          ))}
        </div>
        <div className="inbox-filters">
          <label className="visually-hidden" htmlFor="inbox-status">
            Status
          </label>
          <select id="inbox-status" className="input input-sm" value={filters.status} onChange={(e) => onFilters({ ...filters, status: e.target.value as ListFilters['status'] })}>
            <option value="open">Open</option>
            <option value="closed">Closed</option>
          </select>
          <label className="visually-hidden" htmlFor="inbox-label">
            Label
          </label>
          <select id="inbox-label" className="input input-sm" value={filters.label} onChange={(e) => onFilters({ ...filters, label: e.target.value })}>
            <option value="">Any label</option>
            {labels.map((l) => (
              <option key={l.id} value={l.name}>
                {l.name}
              </option>
            ))}
          </select>
        </div>
        <label className="visually-hidden" htmlFor="inbox-search">
          Search by name or phone
        </label>
        <input id="inbox-search" className="input input-sm" type="search" placeholder="Search name or phone" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      {error && <ErrorBlock message={error} onRetry={onRetry} />}
      <ul className="conv-items" aria-busy={loading}>
        {items.map((c) => (
          <li key={c.conversationId}>
            <Link
              href={`/inbox/${c.conversationId}`}
              className={c.conversationId === selectedId ? 'conv-item selected' : 'conv-item'}
              aria-current={c.conversationId === selectedId ? 'true' : undefined}
              data-testid="conversation-item"
            >
              <span className="conv-avatar" aria-hidden="true">
                {contactName(c.contact).slice(0, 1).toUpperCase()}
              </span>
              <span className="conv-main">
                <span className="conv-top">
                  <span className="conv-name">{contactName(c.contact)}</span>
                  <span className="conv-time">{shortTime(c.lastMessageAt)}</span>
                </span>
                <span className="conv-bottom">
                  <span className="conv-preview">
                    {c.lastMessage?.direction === 'outbound' && <span className="visually-hidden">You: </span>}
                    {c.lastMessage?.preview ?? ''}
                  </span>
                  {c.unreadCount > 0 && (
                    <span className="unread" aria-label={`${c.unreadCount} unread`}>
                      {c.unreadCount}
                    </span>
                  )}
                </span>
                {c.labels.length > 0 && (
                  <span className="conv-labels">
                    {c.labels.map((l) => (
                      <Badge key={l}>{l}</Badge>
                    ))}
                  </span>
                )}
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {loading && <Spinner />}
      {!loading && items.length === 0 && !error && <p className="empty-state">No conversations here.</p>}
      {hasMore && !loading && (
        <div className="more">
          <Button variant="secondary" size="sm" onClick={onMore}>
            Load more
          </Button>
        </div>
      )}
    </section>
  );
}
