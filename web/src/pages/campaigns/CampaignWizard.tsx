import { useEffect, useMemo, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api, ApiError, errorMessage } from '../../lib/api.ts';
import { hasRole, useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { Button, FormError, PageHeader, SelectField, Spinner, TextAreaField, TextField } from '../../lib/ui/index.ts';
import { fmtInt } from '../analytics/format.ts';
import { useDebounced } from '../analytics/use-debounced.ts';
import { guessRole, parseCsvHead } from '../contacts/csv-header.ts';
import type { Segment } from '../contacts/types.ts';
import { previewOf } from '../templates/TemplateDetail.tsx';
import type { Template } from '../templates/types.ts';
import { WhatsAppPreview } from '../templates/WhatsAppPreview.tsx';
import { slotsOf, type Slot } from './slots.ts';
import { RETARGET_STATES, type Campaign } from './types.ts';

type AudienceKind = 'phones' | 'csv' | 'tag' | 'segment' | 'retarget';

interface SourceDraft {
  kind: 'trait' | 'column' | 'value' | 'tracked';
  input: string;
  fallback: string;
}

const STEPS = ['Template', 'Audience', 'Variables', 'Schedule'] as const;

function slotKey(s: Slot) {
  return `${s.part}.${s.index}`;
}

function phonesOf(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((p) => p.trim()).filter(Boolean))];
}

/** Counts the audience the way the server will read it (phones, CSV rows, a tag, a segment, a retarget group). */
function useAudienceCount(kind: AudienceKind, phones: string, csvRows: number, tag: string, segmentId: string, retarget: { campaign: Campaign | undefined; state: string }) {
  const debTag = useDebounced(tag.trim(), 300);
  const [remote, setRemote] = useState<{ key: string; count: number | null; error?: string }>({ key: '', count: null });
  const key = kind === 'tag' ? `tag:${debTag}` : kind === 'segment' ? `seg:${segmentId}` : '';
  useEffect(() => {
    if (!key || key === 'tag:' || key === 'seg:') return;
    let live = true;
    const req =
      kind === 'tag'
        ? api.post<{ count: number }>('/api/v1/segments/preview', { definition: { conditions: [{ type: 'tag', tag: debTag, op: 'has' }] } })
        : api.get<{ count: number }>(`/api/v1/segments/${segmentId}/count`);
    setRemote({ key, count: null });
    req.then(
      (r) => live && setRemote({ key, count: r.count }),
      (err: unknown) => live && setRemote({ key, count: null, error: errorMessage(err) }),
    );
    return () => {
      live = false;
    };
  }, [key, kind, debTag, segmentId]);
  if (kind === 'phones') return { count: phonesOf(phones).length, exact: true };
  if (kind === 'csv') return { count: csvRows, exact: true };
  if (kind === 'retarget') {
    const p = retarget.campaign?.progress;
    if (!p) return { count: null, exact: false };
    const by: Record<string, number | null> = {
      delivered_not_read: p.delivered - p.read,
      read_not_clicked: p.read - p.clicked,
      clicked_not_converted: p.clicked - p.converted,
      failed: p.failed.total,
      read: p.read,
      clicked: p.clicked,
      replied: p.replied,
      not_delivered: null,
    };
    return { count: by[retarget.state] ?? null, exact: false };
  }
  return remote.key === key ? { count: remote.count, exact: true, error: remote.error } : { count: null, exact: true };
}

/**
 * Create a campaign in four steps: an approved template (with its preview), the audience (with its
 * size), where each variable's value comes from (trait, CSV column or a fixed value, with a
 * fallback), and when to send. The server checks everything again and names each problem.
 */
export function CampaignWizard() {
  const session = useSignedIn();
  const [, navigate] = useLocation();
  const search = new URLSearchParams(useSearch());
  const retargetFrom = search.get('retarget') ?? '';
  const [step, setStep] = useState(0);
  const templates = useApi((signal) => api.get<{ data: Template[] }>('/api/v1/templates', { status: 'APPROVED' }, signal), []);
  const segments = useApi((signal) => api.get<{ items: Segment[] }>('/api/v1/segments', undefined, signal), []);
  const campaigns = useApi((signal) => api.get<{ data: Campaign[] }>('/api/v1/campaigns', { limit: 200 }, signal), []);

  const [templateId, setTemplateId] = useState('');
  const [kind, setKind] = useState<AudienceKind>(retargetFrom ? 'retarget' : 'phones');
  const [phones, setPhones] = useState('');
  const [csv, setCsv] = useState('');
  const [phoneColumn, setPhoneColumn] = useState('phone');
  const [tag, setTag] = useState('');
  const [segmentId, setSegmentId] = useState('');
  const [retargetId, setRetargetId] = useState(retargetFrom);
  const [retargetState, setRetargetState] = useState(search.get('state') ?? 'delivered_not_read');
  const [sources, setSources] = useState<Record<string, SourceDraft>>({});
  const [name, setName] = useState('');
  const [when, setWhen] = useState<'now' | 'later' | 'draft'>('now');
  const [startAt, setStartAt] = useState('');
  const [conversionEvent, setConversionEvent] = useState('');
  const [conversionHours, setConversionHours] = useState('72');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string>();
  const [problems, setProblems] = useState<string[]>([]);

  const template = templates.data?.data.find((t) => t.id === templateId);
  const { slots, unsupported } = useMemo(() => (template ? slotsOf(template) : { slots: [] as Slot[], unsupported: undefined }), [template]);
  const csvHead = useMemo(() => {
    const head = parseCsvHead(csv, Number.MAX_SAFE_INTEGER);
    return head;
  }, [csv]);
  useEffect(() => {
    if (csvHead.columns.length && !csvHead.columns.includes(phoneColumn)) setPhoneColumn(csvHead.columns.find((c) => guessRole(c) === 'phone') ?? csvHead.columns[0]!);
  }, [csvHead.columns, phoneColumn]);
  const [retargetCampaign, setRetargetCampaign] = useState<Campaign>();
  useEffect(() => {
    if (kind !== 'retarget' || !retargetId) return;
    let live = true;
    api.get<Campaign>(`/api/v1/campaigns/${retargetId}`).then((c) => live && setRetargetCampaign(c), () => undefined);
    return () => {
      live = false;
    };
  }, [kind, retargetId]);
  const audience = useAudienceCount(kind, phones, csvHead.rows.length, tag, segmentId, { campaign: retargetCampaign, state: retargetState });

  useEffect(() => {
    // New template: default every body variable to the contact's name trait for the first, a fixed value otherwise.
    setSources(Object.fromEntries(slots.map((s, i) => [slotKey(s), { kind: i === 0 && s.part === 'body' ? 'trait' : 'value', input: i === 0 && s.part === 'body' ? 'name' : '', fallback: i === 0 && s.part === 'body' ? 'there' : '' } as SourceDraft])));
  }, [slots]);

  if (!hasRole(session.role, 'admin')) {
    return (
      <>
        <PageHeader title="New campaign" />
        <p className="note">Only admins and owners can create campaigns.</p>
      </>
    );
  }

  const audienceProblem = (() => {
    if (kind === 'phones' && phonesOf(phones).length === 0) return 'Enter at least one phone number.';
    if (kind === 'csv') {
      if (!csvHead.columns.length) return 'Paste or choose a CSV with a header row.';
      if (!csvHead.columns.includes(phoneColumn)) return `The CSV has no column “${phoneColumn}”.`;
      if (!csvHead.rows.length) return 'The CSV has no rows.';
    }
    if (kind === 'tag' && !tag.trim()) return 'Name the tag.';
    if (kind === 'segment' && !segmentId) return 'Choose a segment.';
    if (kind === 'retarget' && !retargetId) return 'Choose the earlier campaign.';
    return undefined;
  })();
  const variableProblem = slots.map((s) => {
    const src = sources[slotKey(s)];
    if (!src) return `${s.label}: choose a source.`;
    if (src.kind === 'tracked') return src.input.trim() ? undefined : `${s.label}: give the link the button should open.`;
    if (!src.input.trim()) return `${s.label}: ${src.kind === 'trait' ? 'name the trait' : src.kind === 'column' ? 'choose the column' : 'give the value'}.`;
    return undefined;
  }).find(Boolean);
  const stepProblem = [template ? unsupported : 'Choose a template.', audienceProblem, variableProblem, !name.trim() ? 'Name the campaign.' : when === 'later' && !startAt ? 'Choose the start time.' : undefined];

  function body(): Record<string, unknown> {
    const b: Record<string, unknown> = { name: name.trim(), templateName: template!.name, languageCode: template!.language };
    if (kind === 'phones') b.audience = { phones: phonesOf(phones) };
    else if (kind === 'csv') b.audience = { csv, phoneColumn };
    else if (kind === 'tag') b.audience = { tag: tag.trim() };
    else if (kind === 'segment') b.audience = { segmentId };
    else b.audience = { retarget: { campaignId: retargetId, state: retargetState } };
    const variables: { header?: unknown[]; body?: unknown[]; buttons?: Record<string, unknown[]> } = {};
    const tracked: Record<string, string> = {};
    for (const s of slots) {
      const src = sources[slotKey(s)]!;
      if (src.kind === 'tracked') {
        tracked[String(s.index)] = src.input.trim();
        continue;
      }
      const v: Record<string, string> = { [src.kind]: src.input.trim() };
      if (src.fallback.trim() && src.kind !== 'value') v.fallback = src.fallback;
      if (s.part === 'button') (variables.buttons ??= {})[String(s.index)] = [v];
      else (variables[s.part] ??= []).push(v);
    }
    if (Object.keys(variables).length) b.variables = variables;
    if (Object.keys(tracked).length) b.trackedLinks = tracked;
    if (conversionEvent.trim()) b.conversion = { event: conversionEvent.trim(), windowHours: Number(conversionHours) || 72 };
    if (when === 'now') b.startAt = 'now';
    if (when === 'later') b.startAt = startAt;
    return b;
  }

  async function create() {
    setSubmitting(true);
    setError(undefined);
    setProblems([]);
    try {
      const c = await api.post<Campaign>('/api/v1/campaigns', body());
      navigate(`/campaigns/${c.id}`);
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError && Array.isArray(err.details)) {
        setProblems((err.details as { field?: string; message?: string }[]).map((d) => [d.field, d.message].filter(Boolean).join(': ')).filter(Boolean));
      }
    } finally {
      setSubmitting(false);
    }
  }

  const setSource = (key: string, patch: Partial<SourceDraft>) => setSources((old) => ({ ...old, [key]: { ...(old[key] ?? { kind: 'value', input: '', fallback: '' }), ...patch } }));
  const loading = templates.loading && !templates.data;

  return (
    <>
      <PageHeader title="New campaign">
        <Link href="/campaigns">Back to campaigns</Link>
      </PageHeader>
      <ol className="steps" aria-label="Steps">
        {STEPS.map((s, i) => (
          <li key={s} className={i === step ? 'step current' : i < step ? 'step done' : 'step'} aria-current={i === step ? 'step' : undefined}>
            <span className="step-n" aria-hidden="true">
              {i + 1}
            </span>{' '}
            {s}
          </li>
        ))}
      </ol>
      {loading ? (
        <Spinner label="Loading templates…" />
      ) : (
        <div className="split">
          <section className="card stack" aria-labelledby="step-title">
            <h2 id="step-title">
              Step {step + 1} of {STEPS.length}: {STEPS[step]}
            </h2>
            {step === 0 && (
              <>
                <SelectField
                  label="Approved template"
                  value={templateId}
                  onChange={(e) => setTemplateId(e.target.value)}
                  options={[{ value: '', label: templates.data?.data.length ? 'Choose a template' : 'No approved templates yet' }, ...(templates.data?.data ?? []).map((t) => ({ value: t.id, label: `${t.name} (${t.language}, ${t.category.toLowerCase()})` }))]}
                  hint="Only templates Meta approved can be sent."
                />
                {template && unsupported && <FormError message={unsupported} />}
              </>
            )}
            {step === 1 && (
              <>
                <fieldset className="radio-group">
                  <legend>Send to</legend>
                  {(
                    [
                      ['phones', 'A list of phone numbers'],
                      ['csv', 'A CSV (with per-row variables)'],
                      ['tag', 'Contacts with a tag'],
                      ['segment', 'A segment'],
                      ['retarget', "An earlier campaign's recipients"],
                    ] as const
                  ).map(([k, l]) => (
                    <label key={k} className="radio">
                      <input type="radio" name="audience-kind" value={k} checked={kind === k} onChange={() => setKind(k)} /> {l}
                    </label>
                  ))}
                </fieldset>
                {kind === 'phones' && <TextAreaField label="Phone numbers" hint="With country code, one per line or separated by commas" rows={6} value={phones} onChange={(e) => setPhones(e.target.value)} />}
                {kind === 'csv' && (
                  <>
                    <div className="field">
                      <label className="field-label" htmlFor="audience-csv-file">
                        CSV file
                      </label>
                      <input id="audience-csv-file" className="input" type="file" accept=".csv,text/csv" onChange={(e) => void e.target.files?.[0]?.text().then(setCsv)} />
                    </div>
                    <TextAreaField label="Or paste the CSV" rows={6} value={csv} onChange={(e) => setCsv(e.target.value)} hint="Header row first, e.g. phone,first_name,order_id" />
                    {csvHead.columns.length > 0 && <SelectField label="Phone column" value={phoneColumn} onChange={(e) => setPhoneColumn(e.target.value)} options={csvHead.columns.map((c) => ({ value: c, label: c }))} />}
                  </>
                )}
                {kind === 'tag' && <TextField label="Tag" value={tag} onChange={(e) => setTag(e.target.value)} />}
                {kind === 'segment' && (
                  <SelectField
                    label="Segment"
                    value={segmentId}
                    onChange={(e) => setSegmentId(e.target.value)}
                    options={[{ value: '', label: segments.data?.items.length ? 'Choose a segment' : 'No segments yet' }, ...(segments.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))]}
                  />
                )}
                {kind === 'retarget' && (
                  <div className="form-row">
                    <SelectField
                      label="Earlier campaign"
                      value={retargetId}
                      onChange={(e) => setRetargetId(e.target.value)}
                      options={[{ value: '', label: 'Choose a campaign' }, ...(campaigns.data?.data ?? []).filter((c) => c.type === 'Broadcast' && c.status !== 'draft').map((c) => ({ value: c.id, label: c.name }))]}
                    />
                    <SelectField label="Recipients who" value={retargetState} onChange={(e) => setRetargetState(e.target.value)} options={RETARGET_STATES.map((s) => ({ value: s.value, label: s.label }))} />
                  </div>
                )}
                <p className="live-count" aria-live="polite" data-testid="audience-count">
                  {audience.count === null
                    ? audience.error
                      ? `Could not count: ${audience.error}`
                      : kind === 'retarget' && retargetState === 'not_delivered'
                        ? 'The count is known when the campaign starts.'
                        : 'Audience: counting…'
                    : (
                      <>
                        Audience: {audience.exact ? '' : 'about '}
                        <strong>{fmtInt(audience.count)}</strong> recipient{audience.count === 1 ? '' : 's'}
                        {kind !== 'phones' && kind !== 'csv' ? ' (opted-out contacts are skipped for marketing templates)' : ''}
                      </>
                    )}
                </p>
              </>
            )}
            {step === 2 && (
              <>
                {slots.length === 0 && <p>This template has no variables: every recipient gets the same message.</p>}
                {slots.map((s) => {
                  const key = slotKey(s);
                  const src = sources[key] ?? { kind: 'value', input: '', fallback: '' };
                  const kinds = [
                    { value: 'trait', label: "Contact's trait" },
                    ...(kind === 'csv' ? [{ value: 'column', label: 'CSV column' }] : []),
                    { value: 'value', label: 'The same text for everyone' },
                    ...(s.trackable ? [{ value: 'tracked', label: 'Tracked link (counts clicks)' }] : []),
                  ];
                  return (
                    <fieldset key={key} className="condition">
                      <legend>{s.label}</legend>
                      <div className="form-row">
                        <SelectField label="Comes from" options={kinds} value={src.kind} onChange={(e) => setSource(key, { kind: e.target.value as SourceDraft['kind'], input: '' })} />
                        {src.kind === 'column' ? (
                          <SelectField label="Column" value={src.input} onChange={(e) => setSource(key, { input: e.target.value })} options={[{ value: '', label: 'Choose' }, ...csvHead.columns.map((c) => ({ value: c, label: c }))]} />
                        ) : (
                          <TextField
                            label={src.kind === 'trait' ? 'Trait' : src.kind === 'tracked' ? 'Link the button opens' : 'Text'}
                            hint={src.kind === 'trait' ? 'name, phone, or any trait key' : undefined}
                            value={src.input}
                            onChange={(e) => setSource(key, { input: e.target.value })}
                          />
                        )}
                        {(src.kind === 'trait' || src.kind === 'column') && <TextField label="Fallback" hint="When a recipient has no value" value={src.fallback} onChange={(e) => setSource(key, { fallback: e.target.value })} />}
                      </div>
                    </fieldset>
                  );
                })}
              </>
            )}
            {step === 3 && (
              <>
                <TextField label="Campaign name" value={name} onChange={(e) => setName(e.target.value)} maxLength={255} />
                <fieldset className="radio-group">
                  <legend>When</legend>
                  <label className="radio">
                    <input type="radio" name="when" checked={when === 'now'} onChange={() => setWhen('now')} /> Start now
                  </label>
                  <label className="radio">
                    <input type="radio" name="when" checked={when === 'later'} onChange={() => setWhen('later')} /> Schedule
                  </label>
                  <label className="radio">
                    <input type="radio" name="when" checked={when === 'draft'} onChange={() => setWhen('draft')} /> Save as a draft
                  </label>
                </fieldset>
                {when === 'later' && <TextField label="Start at" hint={`In the workspace's time zone (${session.workspace.timeZone})`} type="datetime-local" value={startAt} onChange={(e) => setStartAt(e.target.value)} />}
                <div className="form-row">
                  <TextField label="Conversion event (optional)" hint="A tracked event, e.g. Order Placed" value={conversionEvent} onChange={(e) => setConversionEvent(e.target.value)} />
                  <TextField label="Conversion window (hours)" inputMode="numeric" value={conversionHours} onChange={(e) => setConversionHours(e.target.value)} />
                </div>
                <div className="review">
                  <h3>Review</h3>
                  <p>
                    {template?.name} → {audience.count === null ? 'the audience' : `${audience.exact ? '' : 'about '}${fmtInt(audience.count)} recipients`}, {when === 'now' ? 'starting now' : when === 'later' ? `starting ${startAt || '…'}` : 'kept as a draft'}.
                  </p>
                </div>
              </>
            )}
            {stepProblem[step] && <p className="field-hint">{stepProblem[step]}</p>}
            <FormError message={error} />
            {problems.length > 0 && (
              <ul className="problems" aria-label="Problems">
                {problems.map((p, i) => (
                  <li key={i}>{p}</li>
                ))}
              </ul>
            )}
            <div className="actions">
              {step > 0 && (
                <Button variant="secondary" onClick={() => setStep(step - 1)}>
                  Back
                </Button>
              )}
              {step < STEPS.length - 1 ? (
                <Button disabled={Boolean(stepProblem[step])} onClick={() => setStep(step + 1)}>
                  Next
                </Button>
              ) : (
                <Button busy={submitting} disabled={stepProblem.some(Boolean)} onClick={() => void create()}>
                  {when === 'now' ? 'Create and start' : when === 'later' ? 'Schedule campaign' : 'Save draft'}
                </Button>
              )}
            </div>
          </section>
          <aside aria-label="Template preview" className="preview-col">
            <h2 className="small-heading">Template</h2>
            {template ? <WhatsAppPreview message={previewOf(template.components)} label={`Preview of ${template.name}`} /> : <p className="muted">Choose a template to see it here.</p>}
          </aside>
        </div>
      )}
    </>
  );
}
