import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { api, errorMessage } from '../../lib/api.ts';
import { Button, FormError } from '../../lib/ui/index.ts';
import { TemplatePicker, type TemplateSend } from './TemplatePicker.tsx';

interface Canned {
  id: string;
  shortcut: string;
  content: string;
}

interface Props {
  conversationId: string;
  contactId: string;
  windowOpen: boolean;
  onSent: () => void;
}

type Mode = 'reply' | 'template' | 'note';

/**
 * The reply box. Free text (and attachments) only while the customer's 24-hour window is open;
 * otherwise approved templates with a variable form and preview. "/" opens canned responses,
 * filled from the contact's traits. Notes stay inside the team.
 */
export function Composer({ conversationId, contactId, windowOpen, onSent }: Props) {
  const [mode, setMode] = useState<Mode>(windowOpen ? 'reply' : 'template');
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [canned, setCanned] = useState<Canned[]>([]);
  const [activeCanned, setActiveCanned] = useState(0);
  const [attach, setAttach] = useState<{ type: 'image' | 'video' | 'audio' | 'document'; url: string } | null>(null);
  const lastTyping = useRef(0);

  useEffect(() => {
    if (!windowOpen && mode === 'reply') setMode('template');
  }, [windowOpen, mode]);

  // "/gr" → canned responses whose shortcut starts with "gr".
  const slash = mode !== 'template' && /^\/(\S*)$/.exec(text);
  const prefix = slash ? slash[1] : null;
  useEffect(() => {
    if (prefix === null || prefix === undefined) {
      setCanned([]);
      return;
    }
    const controller = new AbortController();
    api.get<{ data: Canned[] }>('/api/v1/canned-responses', { prefix }, controller.signal).then(
      (r) => {
        setCanned(r.data.slice(0, 8));
        setActiveCanned(0);
      },
      () => undefined,
    );
    return () => controller.abort();
  }, [prefix]);

  const useCanned = async (c: Canned) => {
    try {
      const r = await api.post<{ text: string }>('/api/v1/canned-responses/render', { shortcut: c.shortcut, contactId });
      setText(r.text);
    } catch {
      setText(c.content);
    }
    setCanned([]);
  };

  const typing = () => {
    const now = Date.now();
    if (now - lastTyping.current < 3000) return;
    lastTyping.current = now;
    void api.post(`/api/v1/inbox/conversations/${conversationId}/typing`).catch(() => undefined);
  };

  const send = async () => {
    if (!text.trim() && !attach) return;
    setBusy(true);
    setError(undefined);
    try {
      if (mode === 'note') await api.post(`/api/v1/inbox/conversations/${conversationId}/notes`, { body: text });
      else if (attach) await api.post(`/api/v1/inbox/conversations/${conversationId}/messages`, { type: attach.type, mediaUrl: attach.url, text: text.trim() || undefined });
      else await api.post(`/api/v1/inbox/conversations/${conversationId}/messages`, { type: 'text', text });
      setText('');
      setAttach(null);
      onSent();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const sendTemplate = async (t: TemplateSend) => {
    await api.post(`/api/v1/inbox/conversations/${conversationId}/messages`, { type: 'template', template: t });
    onSent();
  };

  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (canned.length > 0) {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        setActiveCanned((i) => (i + 1) % canned.length);
        return;
      }
      if (e.key === 'ArrowUp') {
        e.preventDefault();
        setActiveCanned((i) => (i - 1 + canned.length) % canned.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        void useCanned(canned[activeCanned]!);
        return;
      }
      if (e.key === 'Escape') {
        setCanned([]);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void send();
    }
  };

  return (
    <div className="composer">
      <div className="composer-tabs" role="tablist" aria-label="Reply type">
        {(['reply', 'template', 'note'] as const).map((m) => (
          <button
            key={m}
            type="button"
            role="tab"
            aria-selected={mode === m}
            className={mode === m ? 'tab active' : 'tab'}
            disabled={m === 'reply' && !windowOpen}
            onClick={() => setMode(m)}
          >
            {m === 'reply' ? 'Reply' : m === 'template' ? 'Template' : 'Private note'}
          </button>
        ))}
      </div>
      {!windowOpen && mode !== 'note' && (
        <p className="composer-hint" role="status">
          The customer has not written in the last 24 hours, so WhatsApp only allows an approved template.
        </p>
      )}
      {mode === 'template' ? (
        <TemplatePicker onSend={sendTemplate} />
      ) : (
        <div className={mode === 'note' ? 'composer-box note-mode' : 'composer-box'}>
          {attach && (
            <div className="attach-row">
              <label className="visually-hidden" htmlFor="attach-type">
                Attachment type
              </label>
              <select id="attach-type" className="input input-sm" value={attach.type} onChange={(e) => setAttach({ ...attach, type: e.target.value as typeof attach.type })}>
                <option value="image">Image</option>
                <option value="video">Video</option>
                <option value="audio">Audio</option>
                <option value="document">Document</option>
              </select>
              <label className="visually-hidden" htmlFor="attach-url">
                Attachment link (https)
              </label>
              <input id="attach-url" className="input input-sm" type="url" placeholder="https://… link to the file" value={attach.url} onChange={(e) => setAttach({ ...attach, url: e.target.value })} />
              <button type="button" className="icon-btn" aria-label="Remove attachment" onClick={() => setAttach(null)}>
                ×
              </button>
            </div>
          )}
          <label htmlFor="composer-text" className="visually-hidden">
            {mode === 'note' ? 'Private note (only your team sees it)' : 'Message (type / for canned responses)'}
          </label>
          <textarea
            id="composer-text"
            className="input composer-text"
            rows={2}
            placeholder={mode === 'note' ? 'Private note — only your team sees it' : attach ? 'Caption (optional)' : 'Type a message, or / for canned responses'}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              if (mode === 'reply') typing();
            }}
            onKeyDown={onKey}
            aria-autocomplete="list"
            aria-controls={canned.length ? 'canned-list' : undefined}
            aria-expanded={canned.length > 0}
            role="combobox"
          />
          {canned.length > 0 && (
            <ul id="canned-list" className="canned" role="listbox" aria-label="Canned responses">
              {canned.map((c, i) => (
                <li key={c.id} role="option" aria-selected={i === activeCanned} className={i === activeCanned ? 'active' : undefined} onMouseDown={(e) => { e.preventDefault(); void useCanned(c); }}>
                  <strong>/{c.shortcut}</strong> <span className="muted">{c.content.slice(0, 60)}</span>
                </li>
              ))}
            </ul>
          )}
          <div className="composer-actions">
            {mode === 'reply' && !attach && (
              <Button variant="secondary" size="sm" onClick={() => setAttach({ type: 'image', url: '' })}>
                Attach
              </Button>
            )}
            <FormError message={error} />
            <Button size="sm" onClick={() => void send()} busy={busy} disabled={!text.trim() && !attach?.url}>
              {mode === 'note' ? 'Add note' : 'Send'}
            </Button>
          </div>
        </div>
      )}
    </div>
  );
}
