import { useState } from 'react';
import { api } from '../../lib/api.ts';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, ErrorBlock, Spinner, Table, TextField, type Column } from '../../lib/ui/index.ts';
import { fmtDateTime } from '../analytics/format.ts';
import { useDebounced } from '../analytics/use-debounced.ts';
import { ContactDetail } from './ContactDetail.tsx';
import type { Contact } from './types.ts';

interface Page {
  items: Contact[];
  nextCursor: string | null;
}

function traitText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

const columns = (open: (c: Contact) => void): Column<Contact>[] => [
  {
    key: 'name',
    header: 'Name',
    render: (c) => (
      <button type="button" className="link-button" onClick={() => open(c)}>
        {c.name ?? c.profileName ?? 'No name'}
      </button>
    ),
  },
  { key: 'phone', header: 'Phone', render: (c) => <span className="mono">+{c.phone}</span> },
  { key: 'tags', header: 'Tags', render: (c) => (c.tags.length ? <span className="chips">{c.tags.map((t) => <Badge key={t}>{t}</Badge>)}</span> : <span className="muted">—</span>) },
  {
    key: 'traits',
    header: 'Traits',
    render: (c) => {
      const entries = Object.entries(c.traits).filter(([k]) => k !== 'name');
      if (!entries.length) return <span className="muted">—</span>;
      return (
        <span className="trait-list">
          {entries.slice(0, 3).map(([k, v]) => (
            <span key={k}>
              <span className="muted">{k}:</span> {traitText(v)}
            </span>
          ))}
          {entries.length > 3 && <span className="muted">+{entries.length - 3} more</span>}
        </span>
      );
    },
  },
  { key: 'marketing', header: 'Marketing', render: (c) => (c.marketingOptOut ? <Badge tone="red">Opted out</Badge> : <Badge tone="green">Subscribed</Badge>) },
  { key: 'created', header: 'Added', render: (c) => fmtDateTime(c.createdAt) },
];

/** The contacts table: search by name or phone, filter by tag or by a trait (and its value). */
export function ContactList() {
  const [q, setQ] = useState('');
  const [tag, setTag] = useState('');
  const [trait, setTrait] = useState('');
  const [value, setValue] = useState('');
  const filters = useDebounced({ q: q.trim(), tag: tag.trim(), trait: trait.trim(), value: value.trim() }, 300);
  const [extra, setExtra] = useState<{ items: Contact[]; nextCursor: string | null } | null>(null);
  const [more, setMore] = useState(false);
  const [opened, setOpened] = useState<string | null>(null);
  const key = JSON.stringify(filters);
  const page = useApi<Page>(
    (signal) => {
      setExtra(null);
      return api.get<Page>('/api/v1/contacts', { q: filters.q, tag: filters.tag, trait: filters.trait, value: filters.trait ? filters.value || undefined : undefined, limit: 50 }, signal);
    },
    [key],
  );
  const rows = [...(page.data?.items ?? []), ...(extra?.items ?? [])];
  const cursor = extra ? extra.nextCursor : (page.data?.nextCursor ?? null);

  async function loadMore() {
    if (!cursor) return;
    setMore(true);
    try {
      const next = await api.get<Page>('/api/v1/contacts', { q: filters.q, tag: filters.tag, trait: filters.trait, value: filters.trait ? filters.value || undefined : undefined, limit: 50, cursor });
      setExtra((old) => ({ items: [...(old?.items ?? []), ...next.items], nextCursor: next.nextCursor }));
    } finally {
      setMore(false);
    }
  }

  return (
    <section aria-labelledby="contacts-table-title">
      <h2 id="contacts-table-title" className="visually-hidden">
        All contacts
      </h2>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <TextField label="Search" type="search" placeholder="Name or phone" value={q} onChange={(e) => setQ(e.target.value)} />
        <TextField label="Tag" placeholder="e.g. vip" value={tag} onChange={(e) => setTag(e.target.value)} />
        <TextField label="Trait" placeholder="e.g. city" value={trait} onChange={(e) => setTrait(e.target.value)} />
        <TextField label="Trait value" placeholder="e.g. Pune" value={value} disabled={!trait.trim()} onChange={(e) => setValue(e.target.value)} />
      </form>
      {page.error && <ErrorBlock message={page.error} onRetry={page.reload} />}
      {page.loading && !page.data ? (
        <Spinner label="Loading contacts…" />
      ) : (
        <>
          <p className="muted" aria-live="polite" data-testid="contacts-count">
            {rows.length === 0 ? 'No contacts match.' : `Showing ${rows.length} contact${rows.length === 1 ? '' : 's'}${cursor ? ' (more below)' : ''}.`}
          </p>
          <Table caption="Contacts" hideCaption columns={columns((c) => setOpened(c.id))} rows={rows} rowKey={(c) => c.id} empty="No contacts match these filters. Import a CSV or track users through the API." />
          {cursor && (
            <div className="center">
              <Button variant="secondary" busy={more} onClick={loadMore}>
                Load more
              </Button>
            </div>
          )}
        </>
      )}
      {opened && <ContactDetail id={opened} onClose={() => setOpened(null)} onChanged={page.reload} />}
    </section>
  );
}
