import { useEffect, useMemo, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, ApiError, errorMessage } from '../../lib/api.ts';
import { hasRole, useSignedIn } from '../../lib/session.tsx';
import { Button, FormError, PageHeader, SelectField, TextAreaField, TextField, useToast } from '../../lib/ui/index.ts';
import { useDebounced } from '../analytics/use-debounced.ts';
import { emptyDraft, groupProblems, isMediaHeader, toDefinition, type ButtonDraft, type HeaderType, type TemplateDraft } from './draft.ts';
import { HeaderMediaUpload } from './HeaderMediaUpload.tsx';
import { variablesIn, type Template, type TemplateProblem } from './types.ts';
import { fillVariables, WhatsAppPreview } from './WhatsAppPreview.tsx';

const LANGUAGES = [
  ['en', 'English'],
  ['en_US', 'English (US)'],
  ['en_GB', 'English (UK)'],
  ['hi', 'Hindi'],
  ['mr', 'Marathi'],
  ['gu', 'Gujarati'],
  ['bn', 'Bengali'],
  ['ta', 'Tamil'],
  ['te', 'Telugu'],
  ['kn', 'Kannada'],
  ['ml', 'Malayalam'],
  ['pa', 'Punjabi'],
  ['ur', 'Urdu'],
  ['ar', 'Arabic'],
  ['es', 'Spanish'],
  ['pt_BR', 'Portuguese (BR)'],
  ['id', 'Indonesian'],
].map(([value, label]) => ({ value: value!, label: `${label} (${value})` }));

const BUTTON_TYPES = [
  { value: 'QUICK_REPLY', label: 'Quick reply' },
  { value: 'URL', label: 'Visit website' },
  { value: 'PHONE_NUMBER', label: 'Call phone number' },
  { value: 'COPY_CODE', label: 'Copy offer code' },
];

/** The sample's signed /media link on this server (its absolute form names SAMVAD_PUBLIC_URL, which may not be how this browser reaches Samvad). */
const sameOrigin = (url: string) => {
  try {
    const u = new URL(url, window.location.origin);
    return u.pathname + u.search;
  } catch {
    return url;
  }
};
const join = (list: string[] | undefined) => (list && list.length ? list.join(' · ') : undefined);

/**
 * Create a template: the form on one side, a WhatsApp-style preview (filled with the example
 * values) on the other. Every change is checked against Meta's rules by POST /templates/validate
 * and each problem is shown at the field it concerns; submitting creates it (PENDING) and opens
 * its page, which follows the review.
 */
export function CreateTemplate() {
  const session = useSignedIn();
  const toast = useToast();
  const [, navigate] = useLocation();
  const [d, setD] = useState<TemplateDraft>(emptyDraft);
  const [problems, setProblems] = useState<TemplateProblem[]>([]);
  const [checked, setChecked] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string>();
  const set = (patch: Partial<TemplateDraft>) => setD((old) => ({ ...old, ...patch }));

  const { definition, sections } = useMemo(() => toDefinition(d), [d]);
  const debounced = useDebounced(JSON.stringify(definition), 300);
  const touched = d.name !== '' || d.body !== '';

  useEffect(() => {
    if (!touched) return;
    let live = true;
    api.post<{ valid: boolean; problems: TemplateProblem[] }>('/api/v1/templates/validate', JSON.parse(debounced)).then(
      (r) => {
        if (!live) return;
        setProblems(r.problems);
        setChecked(true);
      },
      (err: unknown) => live && setProblems([{ field: 'general', message: errorMessage(err) }]),
    );
    return () => {
      live = false;
    };
  }, [debounced, touched]);

  const slots = groupProblems(problems, sections);
  const headerVars = d.headerType === 'TEXT' ? variablesIn(d.header) : [];
  const bodyVars = variablesIn(d.body);
  const upToDate = debounced === JSON.stringify(definition);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setSubmitting(true);
    setSubmitError(undefined);
    try {
      const t = await api.post<Template>('/api/v1/templates', definition);
      toast.show(`Template ${t.name} submitted for review`, 'success');
      navigate(`/templates/${t.id}`);
    } catch (err) {
      if (err instanceof ApiError && Array.isArray(err.details)) {
        const list = (err.details as { field?: string; message?: string }[]).filter((p) => p.field && p.message) as TemplateProblem[];
        if (list.length) setProblems(list);
      }
      setSubmitError(errorMessage(err));
    } finally {
      setSubmitting(false);
    }
  }

  function setButton(i: number, patch: Partial<ButtonDraft>) {
    setD((old) => ({ ...old, buttons: old.buttons.map((b, j) => (j === i ? { ...b, ...patch } : b)) }));
  }

  if (!hasRole(session.role, 'admin')) {
    return (
      <>
        <PageHeader title="New template" />
        <p className="note">Only admins and owners can create templates.</p>
      </>
    );
  }

  const preview = {
    header: d.headerType === 'TEXT' ? fillVariables(d.header, d.headerExamples) : null,
    headerMedia: isMediaHeader(d.headerType) ? (d.headerMedia ? `${d.headerType.toLowerCase()}: ${d.headerMedia.fileName}` : `${d.headerType.toLowerCase()} header`) : null,
    headerImageUrl: d.headerType === 'IMAGE' && d.headerMedia ? sameOrigin(d.headerMedia.fileUrl) : null,
    body: fillVariables(d.body, d.bodyExamples),
    footer: d.footer || null,
    buttons: d.buttons.map((b) => ({ type: b.type, text: b.type === 'COPY_CODE' ? 'Copy offer code' : b.text })),
  };

  return (
    <>
      <PageHeader title="New template">
        <Link href="/templates">Back to templates</Link>
      </PageHeader>
      <div className="split">
        <form className="card stack" onSubmit={(e) => void submit(e)} noValidate aria-describedby="template-check">
          <TextField label="Name" hint="Lowercase letters, digits and underscores" value={d.name} onChange={(e) => set({ name: e.target.value })} error={join(slots.get('name'))} autoComplete="off" />
          <div className="form-row">
            <SelectField label="Language" options={LANGUAGES} value={d.language} onChange={(e) => set({ language: e.target.value })} error={join(slots.get('language'))} />
            <SelectField
              label="Category"
              options={[
                { value: 'UTILITY', label: 'Utility' },
                { value: 'MARKETING', label: 'Marketing' },
                { value: 'AUTHENTICATION', label: 'Authentication' },
              ]}
              value={d.category}
              onChange={(e) => set({ category: e.target.value })}
              error={join(slots.get('category'))}
            />
          </div>
          <SelectField
            label="Header"
            options={[
              { value: 'NONE', label: 'No header' },
              { value: 'TEXT', label: 'Text' },
              { value: 'IMAGE', label: 'Image (JPEG or PNG, up to 5 MB)' },
              { value: 'VIDEO', label: 'Video (MP4, up to 16 MB)' },
              { value: 'DOCUMENT', label: 'Document (PDF, up to 100 MB)' },
            ]}
            value={d.headerType}
            onChange={(e) => {
              const headerType = e.target.value as HeaderType;
              // A sample of another kind does not fit the new header.
              set({ headerType, headerMedia: d.headerMedia && d.headerMedia.headerFormat === headerType ? d.headerMedia : null });
            }}
          />
          {isMediaHeader(d.headerType) && (
            <HeaderMediaUpload
              kind={d.headerType}
              media={d.headerMedia}
              error={join(slots.get('header')) ?? join(slots.get('header.examples'))}
              onUploaded={(headerMedia) => set({ headerMedia })}
            />
          )}
          {d.headerType === 'TEXT' && <TextField label="Header text" hint="Up to 60 characters, at most one variable" value={d.header} onChange={(e) => set({ header: e.target.value })} error={join(slots.get('header'))} />}
          {headerVars.map((v) => (
            <TextField key={`h-${v}`} label={`Example for header {{${v}}}`} value={d.headerExamples[v] ?? ''} onChange={(e) => set({ headerExamples: { ...d.headerExamples, [v]: e.target.value } })} />
          ))}
          {slots.get('header.examples') && <FormError message={join(slots.get('header.examples'))} />}
          <TextAreaField
            label="Body"
            rows={5}
            hint="Up to 1,024 characters. Variables: {{1}}, {{2}}… Formatting: *bold*, _italic_, ~strike~"
            value={d.body}
            onChange={(e) => set({ body: e.target.value })}
            error={join(slots.get('body'))}
          />
          {bodyVars.length > 0 && (
            <fieldset className="examples">
              <legend>Example values (Meta reviews the template with them)</legend>
              {bodyVars.map((v) => (
                <TextField key={`b-${v}`} label={`Example for {{${v}}}`} value={d.bodyExamples[v] ?? ''} onChange={(e) => set({ bodyExamples: { ...d.bodyExamples, [v]: e.target.value } })} />
              ))}
              {slots.get('body.examples') && <FormError message={join(slots.get('body.examples'))} />}
            </fieldset>
          )}
          <TextField label="Footer (optional)" hint="Up to 60 characters, no variables" value={d.footer} onChange={(e) => set({ footer: e.target.value })} error={join(slots.get('footer'))} />
          <fieldset className="examples">
            <legend>Buttons (optional)</legend>
            {d.buttons.map((b, i) => (
              <div key={i} className="button-draft">
                <div className="form-row">
                  <SelectField label={`Button ${i + 1} type`} options={BUTTON_TYPES} value={b.type} onChange={(e) => setButton(i, { type: e.target.value as ButtonDraft['type'] })} />
                  {b.type !== 'COPY_CODE' && <TextField label={`Button ${i + 1} text`} value={b.text} onChange={(e) => setButton(i, { text: e.target.value })} />}
                  {b.type === 'URL' && <TextField label={`Button ${i + 1} URL`} hint="May end with {{1}}" value={b.url} onChange={(e) => setButton(i, { url: e.target.value })} />}
                  {b.type === 'URL' && variablesIn(b.url).length > 0 && <TextField label={`Button ${i + 1} example URL`} value={b.example} onChange={(e) => setButton(i, { example: e.target.value })} />}
                  {b.type === 'PHONE_NUMBER' && <TextField label={`Button ${i + 1} phone`} hint="With country code" value={b.phone} onChange={(e) => setButton(i, { phone: e.target.value })} />}
                  {b.type === 'COPY_CODE' && <TextField label={`Button ${i + 1} sample code`} value={b.example} onChange={(e) => setButton(i, { example: e.target.value })} />}
                </div>
                {slots.get(`button.${i}`) && <FormError message={join(slots.get(`button.${i}`))} />}
                <Button variant="ghost" size="sm" onClick={() => set({ buttons: d.buttons.filter((_, j) => j !== i) })}>
                  Remove button {i + 1}
                </Button>
              </div>
            ))}
            {slots.get('buttons') && <FormError message={join(slots.get('buttons'))} />}
            <Button variant="secondary" size="sm" disabled={d.buttons.length >= 10} onClick={() => set({ buttons: [...d.buttons, { type: 'QUICK_REPLY', text: '', url: '', phone: '', example: '' }] })}>
              Add a button
            </Button>
          </fieldset>
          <div id="template-check" aria-live="polite" className="check-summary" data-testid="template-problems">
            {!touched ? (
              <p className="muted">Start with a name and a body; the template is checked against Meta's rules as you type.</p>
            ) : problems.length === 0 && checked ? (
              <p className="ok-text">No problems found: ready to submit.</p>
            ) : problems.length > 0 ? (
              <>
                <p className="error-text">
                  {problems.length} problem{problems.length === 1 ? '' : 's'} to fix before Meta will accept it:
                </p>
                <ul className="problems">
                  {problems.map((p, i) => (
                    <li key={i}>
                      <span className="mono small">{p.field}</span> {p.message}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </div>
          <FormError message={submitError} />
          <div className="actions">
            <Button type="submit" busy={submitting} disabled={!touched || problems.length > 0 || !upToDate}>
              Submit for review
            </Button>
          </div>
        </form>
        <aside aria-label="Live preview" className="preview-col">
          <h2 className="small-heading">Preview</h2>
          <WhatsAppPreview message={preview} />
        </aside>
      </div>
    </>
  );
}
