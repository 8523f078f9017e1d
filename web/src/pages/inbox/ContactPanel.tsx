import { api } from '../../lib/api.ts';
import { useApi } from '../../lib/use-api.ts';
import { Badge, ErrorBlock, Spinner } from '../../lib/ui/index.ts';
import { contactName } from './types.ts';

interface ContactDetails {
  contact: { id: string; phone: string; name: string | null; profileName: string | null; traits: Record<string, unknown>; tags: string[]; marketingOptOut: { at: string } | null };
  timeline: { items: { kind: string; id: string; at: string; name?: string; direction?: string; type?: string; status?: string; templateName?: string | null }[] };
}

/** The customer: traits, tags, opt-out and the latest timeline (events and messages). */
export function ContactPanel({ contactId, refreshKey }: { contactId: string; refreshKey: number }) {
  const details = useApi((signal) => api.get<ContactDetails>(`/api/v1/contacts/${contactId}`, undefined, signal), [contactId, refreshKey]);
  if (details.error) return <ErrorBlock message={details.error} onRetry={details.reload} />;
  if (!details.data) return <Spinner />;
  const { contact, timeline } = details.data;
  const traits = Object.entries(contact.traits ?? {}).filter(([k]) => k !== 'name');
  return (
    <aside className="contact-panel" aria-label="Contact">
      <h2>{contactName(contact)}</h2>
      <p className="muted">+{contact.phone}</p>
      {contact.marketingOptOut && <Badge tone="amber">Opted out of marketing</Badge>}
      {contact.tags.length > 0 && (
        <p className="tag-row">
          {contact.tags.map((t) => (
            <Badge key={t} tone="blue">
              {t}
            </Badge>
          ))}
        </p>
      )}
      <h3>Traits</h3>
      {traits.length === 0 ? (
        <p className="muted small">No traits yet.</p>
      ) : (
        <dl className="traits">
          {traits.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      <h3>Timeline</h3>
      <ol className="timeline">
        {timeline.items.map((i) => (
          <li key={`${i.kind}-${i.id}`}>
            <time dateTime={i.at}>{new Date(i.at).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' })}</time>{' '}
            {i.kind === 'event' ? <strong>{i.name}</strong> : <span>{i.direction === 'inbound' ? 'Received' : 'Sent'} {i.templateName ? `template ${i.templateName}` : i.type} · {i.status}</span>}
          </li>
        ))}
      </ol>
    </aside>
  );
}
