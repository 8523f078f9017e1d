import type { ReactNode } from 'react';
import { clockTime } from './format.ts';
import type { MessageView, Template } from './types.ts';

/** One message as a chat bubble: every WhatsApp type drawn from its Cloud API object. */
export function MessageBubble({ m, templates }: { m: MessageView; templates?: Template[] | undefined }) {
  const outbound = m.direction === 'outbound';
  const time = clockTime(m.createdAt);
  return (
    <li className={outbound ? 'bubble-row out' : 'bubble-row in'} data-testid="message" data-direction={m.direction} data-type={m.type}>
      <div className="bubble">
        <span className="visually-hidden">{outbound ? 'You' : 'Customer'}: </span>
        <MessageBody m={m} templates={templates} />
        <span className="bubble-meta">
          {time}
          {outbound && <Ticks m={m} />}
        </span>
        {outbound && m.status === 'failed' && (
          <span className="bubble-error" role="note">
            Not delivered{m.error?.code != null ? ` (${m.error.code})` : ''}: {m.error?.title ?? m.error?.details ?? 'failed'}
            {m.error?.details && m.error.title ? ` — ${m.error.details}` : ''}
          </span>
        )}
      </div>
    </li>
  );
}

const TICK_LABEL: Record<string, string> = { queued: 'Queued', accepted: 'Queued', sending: 'Sending', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Failed', expired: 'Expired' };

function Ticks({ m }: { m: MessageView }) {
  const label = TICK_LABEL[m.status] ?? m.status;
  const glyph = m.status === 'read' || m.status === 'delivered' ? '✓✓' : m.status === 'sent' ? '✓' : m.status === 'failed' || m.status === 'expired' ? '!' : '🕓';
  return (
    <span className={`ticks ticks-${m.status}`} data-testid="status" data-status={m.status} title={label}>
      <span aria-hidden="true">{glyph}</span>
      <span className="visually-hidden">{label}</span>
    </span>
  );
}

function MessageBody({ m, templates }: { m: MessageView; templates?: Template[] | undefined }) {
  const c = (m.content ?? {}) as Record<string, any>;
  const t = m.type;
  switch (t) {
    case 'text':
      return <p className="bubble-text">{c.text?.body ?? ''}</p>;
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return <Media type={t} media={c[t] ?? {}} src={m.direction === 'inbound' && c[t]?.id != null ? receivedMediaUrl(m.id) : c[t]?.link} inbound={m.direction === 'inbound'} />;
    case 'location': {
      const l = c.location ?? {};
      const href = `https://www.openstreetmap.org/?mlat=${l.latitude}&mlon=${l.longitude}#map=16/${l.latitude}/${l.longitude}`;
      return (
        <div className="bubble-card">
          <span className="bubble-kind">📍 Location</span>
          {l.name && <strong>{l.name}</strong>}
          {l.address && <span>{l.address}</span>}
          <a href={href} target="_blank" rel="noreferrer">
            {Number(l.latitude).toFixed(5)}, {Number(l.longitude).toFixed(5)}
          </a>
        </div>
      );
    }
    case 'contacts':
      return (
        <div className="bubble-card">
          <span className="bubble-kind">👤 Contact card</span>
          {(c.contacts ?? []).map((p: any, i: number) => (
            <span key={i}>
              {p.name?.formatted_name ?? 'Contact'} {p.phones?.[0]?.phone ?? ''}
            </span>
          ))}
        </div>
      );
    case 'reaction':
      return <p className="bubble-text">Reacted {c.reaction?.emoji || '(removed)'}</p>;
    case 'button':
      return (
        <p className="bubble-text">
          <span className="bubble-kind">Pressed</span> {c.button?.text ?? c.button?.payload}
        </p>
      );
    case 'order':
      return <Order order={c.order ?? {}} />;
    case 'interactive':
      return <Interactive i={c.interactive ?? {}} />;
    case 'template':
      return <TemplateBody m={m} templates={templates} />;
    default:
      return <p className="bubble-text muted">[{t} message]</p>;
  }
}

/** A received file, served by Samvad (kept from WhatsApp; the cookie authorises it). */
export function receivedMediaUrl(messageId: string): string {
  return `/api/v1/inbox/messages/${encodeURIComponent(messageId)}/media`;
}

function Media({ type, media, src, inbound }: { type: string; media: Record<string, any>; src: string | undefined; inbound: boolean }) {
  const who = inbound ? 'from the customer' : 'sent';
  let preview: ReactNode = null;
  if (src && (type === 'image' || type === 'sticker')) preview = <img className="bubble-img" src={src} alt={media.caption ?? `${type === 'sticker' ? 'Sticker' : 'Image'} ${who}`} loading="lazy" />;
  else if (src && type === 'video') preview = <video className="bubble-img" src={src} controls preload="metadata" aria-label={media.caption ?? `Video ${who}`} />;
  else if (src && type === 'audio') preview = <audio src={src} controls preload="metadata" aria-label={`Voice or audio ${who}`} />;
  const icon = { image: '🖼', video: '🎬', audio: '🎤', document: '📄', sticker: '🙂' }[type] ?? '📎';
  const name: string = media.filename ?? 'document';
  return (
    <div className="bubble-media">
      {preview ?? (
        <span className="media-placeholder">
          <span aria-hidden="true">{icon}</span> {type === 'document' ? (media.filename ?? 'Document') : `${type[0]!.toUpperCase()}${type.slice(1)}`}
          {media.mime_type ? <span className="muted"> · {media.mime_type}</span> : null}
        </span>
      )}
      {type === 'document' && src && (
        <span className="media-actions">
          <a href={src} target="_blank" rel="noreferrer">
            Open {name}
          </a>
          <a href={src} download={name}>
            Download<span className="visually-hidden"> {name}</span>
          </a>
        </span>
      )}
      {media.caption && <p className="bubble-text">{media.caption}</p>}
    </div>
  );
}

function Order({ order }: { order: Record<string, any> }) {
  const items: any[] = order.product_items ?? [];
  const total = items.reduce((s, p) => s + Number(p.item_price ?? 0) * Number(p.quantity ?? 1), 0);
  const currency = items[0]?.currency ?? '';
  return (
    <div className="bubble-card">
      <span className="bubble-kind">🛒 Order</span>
      <ul className="order-items">
        {items.map((p, i) => (
          <li key={i}>
            {p.quantity} × {p.product_retailer_id} — {p.item_price} {p.currency}
          </li>
        ))}
      </ul>
      <strong>
        Total {total.toLocaleString()} {currency}
      </strong>
      {order.text && <span>{order.text}</span>}
    </div>
  );
}

function Interactive({ i }: { i: Record<string, any> }) {
  // The customer's answers.
  if (i.type === 'button_reply') return <p className="bubble-text"><span className="bubble-kind">Pressed</span> {i.button_reply?.title}</p>;
  if (i.type === 'list_reply') return <p className="bubble-text"><span className="bubble-kind">Picked</span> {i.list_reply?.title}</p>;
  if (i.type === 'nfm_reply') return <p className="bubble-text"><span className="bubble-kind">Form sent</span> {i.nfm_reply?.body ?? ''}</p>;
  // What the business sent.
  const header = i.header?.text;
  return (
    <div className="bubble-card">
      {header && <strong>{header}</strong>}
      {i.body?.text && <p className="bubble-text">{i.body.text}</p>}
      {i.footer?.text && <span className="muted small">{i.footer.text}</span>}
      {i.type === 'button' && (
        <span className="bubble-buttons">
          {(i.action?.buttons ?? []).map((b: any, n: number) => (
            <span key={n} className="bubble-button">{b.reply?.title}</span>
          ))}
        </span>
      )}
      {i.type === 'list' && (
        <span className="bubble-buttons">
          <span className="bubble-button">☰ {i.action?.button}</span>
          {(i.action?.sections ?? []).flatMap((s: any) => s.rows ?? []).map((r: any, n: number) => (
            <span key={n} className="muted small">• {r.title}</span>
          ))}
        </span>
      )}
      {i.type === 'cta_url' && <span className="bubble-button">🔗 {i.action?.parameters?.display_text}</span>}
      {(i.type === 'product' || i.type === 'product_list' || i.type === 'catalog_message') && (
        <span className="bubble-kind">🛍 {i.type === 'product' ? `Product ${i.action?.product_retailer_id ?? ''}` : i.type === 'catalog_message' ? 'Catalog' : `${(i.action?.sections ?? []).flatMap((s: any) => s.product_items ?? []).length} products`}</span>
      )}
      {i.type === 'location_request_message' && <span className="bubble-button">📍 Send location</span>}
      {i.type === 'flow' && <span className="bubble-button">{i.action?.parameters?.flow_cta ?? 'Open form'}</span>}
    </div>
  );
}

/** A template as the customer saw it: its definition (when known here) with the sent values filled in. */
function TemplateBody({ m, templates }: { m: MessageView; templates?: Template[] | undefined }) {
  const tpl = (m.content as any)?.template ?? {};
  const name: string = m.template?.name ?? tpl.name;
  const def = templates?.find((t) => t.name === name && t.language === (m.template?.language ?? tpl.language?.code));
  const valuesOf = (type: string): string[] => (tpl.components ?? []).filter((c: any) => c.type === type).flatMap((c: any) => (c.parameters ?? []).map((p: any) => p.text ?? p[p.type]?.link ?? p.type));
  const fill = (text: string | undefined, values: string[]) => {
    let n = 0;
    return (text ?? '').replace(/\{\{\s*[a-z0-9_]+\s*\}\}/gi, () => values[n++] ?? '…');
  };
  const header = def?.components.find((c) => c.type === 'HEADER');
  const body = def?.components.find((c) => c.type === 'BODY');
  const footer = def?.components.find((c) => c.type === 'FOOTER');
  const buttons = def?.components.find((c) => c.type === 'BUTTONS')?.buttons ?? [];
  return (
    <div className="bubble-card">
      <span className="bubble-kind">Template · {name}</span>
      {def ? (
        <>
          {header?.format === 'TEXT' && <strong>{fill(header.text, valuesOf('header'))}</strong>}
          {header && header.format !== 'TEXT' && <span className="media-placeholder">{header.format?.toLowerCase()} header</span>}
          <p className="bubble-text">{fill(body?.text, valuesOf('body'))}</p>
          {footer?.text && <span className="muted small">{footer.text}</span>}
          {buttons.length > 0 && (
            <span className="bubble-buttons">
              {buttons.map((b, i) => (
                <span key={i} className="bubble-button">{b.text}</span>
              ))}
            </span>
          )}
        </>
      ) : (
        valuesOf('body').length > 0 && <span className="muted small">{valuesOf('body').join(' · ')}</span>
      )}
    </div>
  );
}
