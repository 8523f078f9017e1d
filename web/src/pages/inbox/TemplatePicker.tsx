import { useEffect, useMemo, useState } from 'react';
import { api, errorMessage } from '../../lib/api.ts';
import { useApi } from '../../lib/use-api.ts';
import { Button, FormError, SelectField, TextField } from '../../lib/ui/index.ts';
import type { Template } from './types.ts';

export interface TemplateSend {
  name: string;
  languageCode: string;
  headerValues?: string[];
  bodyValues?: string[];
  buttonValues?: Record<string, string[]>;
}

interface Slot {
  key: string;
  label: string;
  field: 'header' | 'body' | 'button';
  index: number;
  button?: number;
}

function vars(text: string | undefined): string[] {
  return [...new Set([...(text ?? '').matchAll(/\{\{\s*([a-z0-9_]+)\s*\}\}/gi)].map((m) => m[1]!))];
}

/** The places a template takes values: header text, body, and URL buttons with a variable. */
function slotsOf(t: Template): Slot[] {
  const out: Slot[] = [];
  const header = t.components.find((c) => c.type === 'HEADER');
  if (header?.format === 'TEXT') vars(header.text).forEach((v, i) => out.push({ key: `h${i}`, label: `Header {{${v}}}`, field: 'header', index: i }));
  vars(t.components.find((c) => c.type === 'BODY')?.text).forEach((v, i) => out.push({ key: `b${i}`, label: `Body {{${v}}}`, field: 'body', index: i }));
  (t.components.find((c) => c.type === 'BUTTONS')?.buttons ?? []).forEach((b, bi) => {
    if (b.type === 'URL' && b.url && vars(b.url).length) out.push({ key: `u${bi}`, label: `Button "${b.text}" link {{1}}`, field: 'button', index: 0, button: bi });
  });
  return out;
}

function toSend(t: Template, slots: Slot[], values: Record<string, string>): TemplateSend {
  const s: TemplateSend = { name: t.name, languageCode: t.language };
  const header = slots.filter((x) => x.field === 'header').map((x) => values[x.key] ?? '');
  const body = slots.filter((x) => x.field === 'body').map((x) => values[x.key] ?? '');
  if (header.length) s.headerValues = header;
  if (body.length) s.bodyValues = body;
  const buttons = slots.filter((x) => x.field === 'button');
  if (buttons.length) s.buttonValues = Object.fromEntries(buttons.map((x) => [String(x.button), [values[x.key] ?? '']]));
  return s;
}

/** Choose an approved template, fill its variables, see what the customer will get, send it. */
export function TemplatePicker({ onSend, sendLabel = 'Send template' }: { onSend: (t: TemplateSend) => Promise<void>; sendLabel?: string }) {
  const templates = useApi((signal) => api.get<{ data: Template[] }>('/api/v1/templates', { status: 'APPROVED' }, signal), []);
  const approved = useMemo(() => (templates.data?.data ?? []).filter((t) => t.sendable), [templates.data]);
  const [id, setId] = useState('');
  const chosen = approved.find((t) => t.id === id) ?? approved[0];
  const slots = useMemo(() => (chosen ? slotsOf(chosen) : []), [chosen]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<string>('');
  const [previewError, setPreviewError] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => setValues({}), [chosen?.id]);
  useEffect(() => {
    if (!chosen) return;
    const controller = new AbortController();
    const t = setTimeout(() => {
      const s = toSend(chosen, slots, values);
      api
        .post<{ text: string }>(`/api/v1/templates/${chosen.id}/preview`, { headerValues: s.headerValues, bodyValues: s.bodyValues, buttonValues: s.buttonValues })
        .then((p) => {
          if (controller.signal.aborted) return;
          setPreview(p.text);
          setPreviewError(undefined);
        })
        .catch((err: unknown) => {
          if (!controller.signal.aborted) setPreviewError(errorMessage(err));
        });
    }, 200);
    return () => {
      controller.abort();
      clearTimeout(t);
    };
  }, [chosen, slots, values]);

  if (templates.loading && !templates.data) return <p className="muted">Loading templates…</p>;
  if (templates.error) return <FormError message={templates.error} />;
  if (!chosen) return <p className="muted">No approved template yet. Create one under Templates.</p>;

  const missing = slots.some((s) => !(values[s.key] ?? '').trim());
  const send = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onSend(toSend(chosen, slots, values));
      setValues({});
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="template-picker">
      <SelectField
        label="Template"
        value={chosen.id}
        onChange={(e) => setId(e.target.value)}
        options={approved.map((t) => ({ value: t.id, label: `${t.name} (${t.language}, ${t.category.toLowerCase()})` }))}
      />
      {slots.map((s) => (
        <TextField key={s.key} label={s.label} value={values[s.key] ?? ''} onChange={(e) => setValues((v) => ({ ...v, [s.key]: e.target.value }))} />
      ))}
      <div className="template-preview" aria-live="polite">
        <span className="field-label">Preview</span>
        <div className="bubble preview-bubble" data-testid="template-preview">
          {previewError && !missing ? <span className="field-error">{previewError}</span> : preview || '…'}
        </div>
      </div>
      <FormError message={error} />
      <Button onClick={() => void send()} busy={busy} disabled={missing}>
        {sendLabel}
      </Button>
    </div>
  );
}
