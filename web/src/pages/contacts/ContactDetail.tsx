import { useState } from 'react';
import { api, errorMessage } from '../../lib/api.ts';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, Dialog, FormError, Spinner, TextField } from '../../lib/ui/index.ts';
import { fmtDateTime } from '../analytics/format.ts';
import type { Contact } from './types.ts';

type TimelineItem =
  | { kind: 'event'; id: string; at: string; name: string; properties: Record<string, unknown> }
  | { kind: 'message'; id: string; at: string; direction: string; type: string; status: string; templateName: string | null; source: string };

interface ContactDetails {
  contact: Contact;
  conversations: { id: string; windowOpen: boolean; windowExpiresAt: string | null; unreadCount: number }[];
  timeline: { items: TimelineItem[] };
}

/** One contact in a dialog: traits, tags (add/remove), marketing opt-in, service window and the latest timeline. */
export function ContactDetail({ id, onClose, onChanged }: { id: string; onClose: () => void; onChanged: () => void }) {
  const details = useApi((signal) => api.get<ContactDetails>(`/api/v1/contacts/${id}`, undefined, signal), [id]);
  const [tag, setTag] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function patch(body: Record<string, unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.patch<{ contact: Contact }>(`/api/v1/contacts/${id}`, body);
      details.setData((old) => ({ ...old!, contact: r.contact }));
      details.reload();
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const c = details.data?.contact;
  const openWindow = details.data?.conversations.find((x) => x.windowOpen);
  return (
    <Dialog open title={c ? (c.name ?? c.profileName ?? `+${c.phone}`) : 'Contact'} onClose={onClose}>
      {!details.data ? (
        details.error ? <FormError message={details.error} /> : <Spinner />
      ) : (
        <div className="stack">
          <dl className="facts">
            <div>
              <dt>Phone</dt>
              <dd className="mono">+{c!.phone}</dd>
            </div>
            <div>
              <dt>User id</dt>
              <dd>{c!.userId ?? '—'}</dd>
            </div>
            <div>
              <dt>Marketing</dt>
              <dd>
                {c!.marketingOptOut ? (
                  <span className="stack-tight">
                    <Badge tone="red">opted out</Badge>
                    <span className="muted small">{fmtDateTime(c!.marketingOptOut.at)}</span>
                  </span>
                ) : (
                  <Badge tone="green">subscribed</Badge>
                )}
              </dd>
            </div>
            <div>
              <dt>Service window</dt>
              <dd>{openWindow ? `open until ${fmtDateTime(openWindow.windowExpiresAt)}` : 'closed (templates only)'}</dd>
            </div>
          </dl>
          <section aria-label="Traits">
            <h3>Traits</h3>
            {Object.keys(c!.traits).length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <dl className="facts">
                {Object.entries(c!.traits).map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd className="break">{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
                  </div>
                ))}
              </dl>
            )}
          </section>
          <section aria-label="Tags" className="stack">
            <h3>Tags</h3>
            <div className="chips">
              {c!.tags.length === 0 && <span className="muted">None.</span>}
              {c!.tags.map((t) => (
                <span key={t} className="chips">
                  <Badge>{t}</Badge>
                  <Button size="sm" variant="ghost" aria-label={`Remove tag ${t}`} disabled={busy} onClick={() => void patch({ removeTags: [t] })}>
                    ×
                  </Button>
                </span>
              ))}
            </div>
            <form
              className="form-row align-end"
              onSubmit={(e) => {
                e.preventDefault();
                if (tag.trim()) void patch({ addTags: [tag.trim()] }).then(() => setTag(''));
              }}
            >
              <TextField label="New tag" value={tag} onChange={(e) => setTag(e.target.value)} />
              <Button type="submit" variant="secondary" busy={busy} disabled={!tag.trim()}>
                Add tag
              </Button>
            </form>
            <div className="actions">
              <Button variant="secondary" busy={busy} onClick={() => void patch({ whatsappOptedIn: Boolean(c!.marketingOptOut) })}>
                {c!.marketingOptOut ? 'Opt back in to marketing' : 'Opt out of marketing'}
              </Button>
            </div>
            <FormError message={error} />
          </section>
          <section aria-label="Timeline">
            <h3>Latest activity</h3>
            {details.data.timeline.items.length === 0 ? (
              <p className="muted">Nothing yet.</p>
            ) : (
              <ul className="timeline">
                {details.data.timeline.items.map((t) => (
                  <li key={`${t.kind}-${t.id}`}>
                    <span className="muted small">{fmtDateTime(t.at)}</span>{' '}
                    {t.kind === 'event' ? (
                      <>
                        event <strong>{t.name}</strong>
                      </>
                    ) : (
                      <>
                        {t.direction === 'inbound' ? 'received' : 'sent'} {t.templateName ? `template ${t.templateName}` : t.type} · {t.status}
                      </>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
    </Dialog>
  );
}
