import type { ReactNode } from 'react';

export interface PreviewMessage {
  header?: string | null;
  /** An image/video/document header shows as a placeholder box naming its kind. */
  headerMedia?: string | null;
  /** An image header's sample, drawn instead of the placeholder. */
  headerImageUrl?: string | null;
  body: string;
  footer?: string | null;
  buttons?: { type: string; text: string }[];
}

/**
 * WhatsApp's formatting in a bubble: *bold*, _italic_, ~strike~ and ```mono``` (one level, as the
 * phone does), and newlines kept. Builds React nodes, never HTML strings.
 */
export function formatWhatsApp(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /```([^`]+)```|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~/g;
  let last = 0;
  let k = 0;
  for (const m of text.matchAll(re)) {
    if (m.index! > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(<code key={k++}>{m[1]}</code>);
    else if (m[2] !== undefined) out.push(<strong key={k++}>{m[2]}</strong>);
    else if (m[3] !== undefined) out.push(<em key={k++}>{m[3]}</em>);
    else out.push(<s key={k++}>{m[4]}</s>);
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const ICON: Record<string, string> = { URL: '↗', PHONE_NUMBER: '✆', QUICK_REPLY: '↩', COPY_CODE: '⧉', OTP: '⧉' };

/** The message as a customer's phone shows it: a chat bubble on WhatsApp's wallpaper. */
export function WhatsAppPreview({ message, label = 'Preview of the message as the customer sees it' }: { message: PreviewMessage; label?: string }) {
  const time = '10:24';
  return (
    <figure className="wa-phone" aria-label={label}>
      <figcaption className="wa-head">
        <span className="wa-avatar" aria-hidden="true">
          S
        </span>
        <span>Your business</span>
      </figcaption>
      <div className="wa-wall">
        <div className="wa-bubble" data-testid="wa-bubble">
          {message.headerImageUrl ? (
            <img className="wa-media-img" src={message.headerImageUrl} alt={message.headerMedia ?? 'Header image'} />
          ) : (
            message.headerMedia && <div className="wa-media">{message.headerMedia}</div>
          )}
          {message.header && <p className="wa-header">{formatWhatsApp(message.header)}</p>}
          <p className="wa-body">{message.body ? formatWhatsApp(message.body) : <span className="wa-placeholder">The body text appears here.</span>}</p>
          {message.footer && <p className="wa-footer">{message.footer}</p>}
          <span className="wa-time">{time}</span>
        </div>
        {message.buttons && message.buttons.length > 0 && (
          <ul className="wa-buttons">
            {message.buttons.map((b, i) => (
              <li key={i} className="wa-button">
                <span aria-hidden="true">{ICON[b.type] ?? '•'}</span> {b.text || <span className="wa-placeholder">Button text</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
    </figure>
  );
}

/** Fills {{n}} / {{name}} with the given example values ("{{1}}" stays when there is none). */
export function fillVariables(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (all, v: string) => (values[v] ? values[v] : all));
}
