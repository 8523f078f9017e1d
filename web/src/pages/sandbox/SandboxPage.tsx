import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'wouter';
import { api, errorMessage } from '../../lib/api.ts';
import { useApi } from '../../lib/use-api.ts';
import { Button, ErrorBlock, Spinner, useToast } from '../../lib/ui/index.ts';

/** The emulator's control API (src/emulator/README.md): virtual customers and their phones. */
interface VirtualUser {
  wa_id: string;
  profile_name: string;
}
interface ChatEntry {
  id: string;
  from: 'business' | 'user';
  type: string;
  text: string;
  message: any;
  status: string;
  error_code: number | null;
  reactions: string[];
  timestamp: string;
}
interface Chat {
  wa_id: string;
  profile_name: string;
  typing: boolean;
  messages: ChatEntry[];
}

/**
 * The sandbox phone: pick a virtual customer and use WhatsApp as them — read what the business
 * sent, type a reply, press buttons, pick list rows, send an order or a location. Everything goes
 * through the in-process Cloud API emulator, whose webhooks reach Samvad like Meta's would.
 */
export default function SandboxPage() {
  const { waId } = useParams<{ waId?: string }>();
  const users = useApi((signal) => api.get<{ data: VirtualUser[] }>('/emulator/users', undefined, signal), []);
  const list = users.data?.data ?? [];
  const current = waId ?? list[0]?.wa_id;
  return (
    <div className="sandbox">
      <nav className="sandbox-users" aria-label="Virtual customers">
        <h1>Sandbox phone</h1>
        <p className="muted small">Be one of the sandbox's virtual customers. Nothing here reaches WhatsApp.</p>
        {users.error && <ErrorBlock message={users.error} onRetry={users.reload} />}
        <ul>
          {list.map((u) => (
            <li key={u.wa_id}>
              <Link href={`/sandbox/${u.wa_id}`} className={u.wa_id === current ? 'active' : undefined} aria-current={u.wa_id === current ? 'page' : undefined}>
                {u.profile_name}
                <br />
                <span className="muted small">+{u.wa_id}</span>
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {current ? <Phone key={current} waId={current} /> : users.loading ? <Spinner /> : <p>No virtual customers.</p>}
    </div>
  );
}

function Phone({ waId }: { waId: string }) {
  const toast = useToast();
  const [chat, setChat] = useState<Chat>();
  const [error, setError] = useState<string>();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const endRef = useRef<HTMLLIElement>(null);

  // The emulator has no push channel for the phone: poll its chat (cheap, in-process).
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const c = await api.get<Chat>(`/emulator/users/${waId}/chat`);
        if (!stopped) {
          setChat(c);
          setError(undefined);
        }
      } catch (err) {
        if (!stopped) setError(errorMessage(err));
      }
    };
    void load();
    const t = setInterval(() => void load(), 1000);
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [waId]);

  const count = chat?.messages.length ?? 0;
  useEffect(() => {
    endRef.current?.scrollIntoView({ block: 'end' });
  }, [count]);

  const userSends = async (body: Record<string, unknown>) => {
    setBusy(true);
    try {
      await api.post(`/emulator/users/${waId}/messages`, body);
      const c = await api.get<Chat>(`/emulator/users/${waId}/chat`);
      setChat(c);
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    } finally {
      setBusy(false);
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    await userSends({ type: 'text', text });
    setText('');
  };

  return (
    <section className="phone" aria-label={`Phone of ${chat?.profile_name ?? waId}`}>
      <header className="phone-head">
        <h2>{chat?.profile_name ?? '…'}</h2>
        <span>+{waId} · chatting with the business</span>
      </header>
      {error && <ErrorBlock message={error} />}
      <ol className="phone-chat" aria-live="polite" aria-label="Chat" tabIndex={0}>
        {chat?.messages.map((m) => (
          <li key={m.id} className={m.from === 'user' ? 'bubble-row user' : 'bubble-row'} data-testid="phone-message" data-from={m.from}>
            <div className="bubble">
              <span className="visually-hidden">{m.from === 'user' ? 'You' : 'Business'}: </span>
              <p className="bubble-text">{m.from === 'business' ? stripButtons(m.text) : m.text}</p>
              {m.reactions.length > 0 && <span className="small">{m.reactions.map((r) => r.split(':')[1]).join(' ')}</span>}
              <span className="bubble-meta">
                {new Date(m.timestamp).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
                {m.from === 'user' && <span className="visually-hidden">{m.status}</span>}
              </span>
              {m.from === 'business' && <Actions m={m} disabled={busy} onSend={userSends} />}
            </div>
          </li>
        ))}
        <li ref={endRef} aria-hidden="true" />
      </ol>
      {chat?.typing && (
        <p className="typing" role="status">
          The business is typing…
        </p>
      )}
      <div className="phone-tools">
        <Button size="sm" variant="secondary" disabled={busy} onClick={() => void userSends({ type: 'location', latitude: 12.9716, longitude: 77.5946, name: 'MG Road', address: 'Bengaluru' })}>
          Send location
        </Button>
        <Button size="sm" variant="secondary" disabled={busy} onClick={() => void userSends({ type: 'image', sample: 'sample.png', caption: 'Photo from the sandbox phone' })}>
          Send photo
        </Button>
      </div>
      <form className="phone-input" onSubmit={(e) => void submit(e)}>
        <label htmlFor="phone-text" className="visually-hidden">
          Message as {chat?.profile_name ?? 'the customer'}
        </label>
        <input id="phone-text" className="input" placeholder="Message" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />
        <Button type="submit" size="sm" busy={busy} disabled={!text.trim()}>
          Send
        </Button>
      </form>
    </section>
  );
}

/** Button labels are drawn as buttons below the text, not as "[label]" lines. */
function stripButtons(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\[[^\]]+\]$/.test(l.trim()) || /^\[(image|video|document|audio|sticker|location|contacts)\]/.test(l.trim()))
    .join('\n');
}

/** What the customer can do with a business message: press its buttons, pick a row, order. */
function Actions({ m, disabled, onSend }: { m: ChatEntry; disabled: boolean; onSend: (body: Record<string, unknown>) => Promise<void> }) {
  const content = m.message?.[m.message?.type] ?? {};
  if (m.type === 'template') {
    const labels = m.text.split('\n').map((l) => /^\[([^\]]+)\]$/.exec(l.trim())?.[1]).filter((x): x is string => Boolean(x) && !['IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'].includes(x!));
    return (
      <>
        {labels.map((label) => (
          <button key={label} type="button" className="phone-action" disabled={disabled} onClick={() => void onSend({ type: 'button', reply_to: m.id, payload: label, text: label })}>
            {label}
          </button>
        ))}
      </>
    );
  }
  if (m.type !== 'interactive') return null;
  const action = content.action ?? {};
  if (content.type === 'button') {
    return (
      <>
        {(action.buttons ?? []).map((b: any, i: number) => (
          <button key={i} type="button" className="phone-action" disabled={disabled} onClick={() => void onSend({ type: 'interactive', reply_to: m.id, button_index: i })}>
            {b.reply?.title}
          </button>
        ))}
      </>
    );
  }
  if (content.type === 'list') {
    const rows: any[] = (action.sections ?? []).flatMap((s: any) => s.rows ?? []);
    return (
      <div role="group" aria-label={action.button ?? 'List'}>
        <span className="bubble-kind">☰ {action.button}</span>
        {rows.map((r, i) => (
          <button key={r.id ?? i} type="button" className="phone-action" disabled={disabled} onClick={() => void onSend({ type: 'interactive', reply_to: m.id, row_index: i })}>
            {r.title}
            {r.description ? <span className="muted small"> — {r.description}</span> : null}
          </button>
        ))}
      </div>
    );
  }
  if (content.type === 'product' || content.type === 'product_list' || content.type === 'catalog_message') {
    return (
      <button type="button" className="phone-action" disabled={disabled} onClick={() => void onSend({ type: 'order', reply_to: m.id })}>
        🛒 Send order
      </button>
    );
  }
  if (content.type === 'location_request_message') {
    return (
      <button type="button" className="phone-action" disabled={disabled} onClick={() => void onSend({ type: 'location', latitude: 12.9716, longitude: 77.5946, name: 'MG Road', address: 'Bengaluru' })}>
        📍 Send location
      </button>
    );
  }
  if (content.type === 'flow') {
    return (
      <button type="button" className="phone-action" disabled={disabled} onClick={() => void onSend({ type: 'interactive', reply_to: m.id })}>
        {action.parameters?.flow_cta ?? 'Open form'}
      </button>
    );
  }
  return null;
}
