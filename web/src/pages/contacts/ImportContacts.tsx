import { useRef, useState } from 'react';
import { api, errorMessage, request } from '../../lib/api.ts';
import { hasRole, useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, FormError, ProgressBar, Table, TextField, type Column } from '../../lib/ui/index.ts';
import { fmtDateTime, fmtInt } from '../analytics/format.ts';
import { usePoll } from '../analytics/use-poll.ts';
import { guessRole, parseCsvHead, traitKeyOf, type ColumnRole } from './csv-header.ts';
import type { ContactImport, ImportMapping } from './types.ts';

const ROLE_OPTIONS: { value: ColumnRole; label: string }[] = [
  { value: 'phone', label: 'Phone number' },
  { value: 'countryCode', label: 'Country code' },
  { value: 'name', label: 'Name' },
  { value: 'userId', label: 'User id' },
  { value: 'tags', label: 'Tags (comma separated)' },
  { value: 'trait', label: 'Trait' },
  { value: 'ignore', label: "Don't import" },
];

interface ColumnPlan {
  column: string;
  role: ColumnRole;
  traitKey: string;
}

/** Builds the server's mapping from the per-column choices; the problems block the upload. */
export function buildMapping(plan: ColumnPlan[], defaultCountryCode: string, staticTags: string): { mapping: ImportMapping | null; problems: string[] } {
  const problems: string[] = [];
  const single = (role: ColumnRole, what: string) => {
    const cols = plan.filter((p) => p.role === role);
    if (cols.length > 1) problems.push(`Only one column can be the ${what} (${cols.map((c) => c.column).join(', ')}).`);
    return cols[0]?.column;
  };
  const phone = single('phone', 'phone number');
  if (!phone) problems.push('Choose the column that holds the phone number.');
  const countryCode = single('countryCode', 'country code');
  const name = single('name', 'name');
  const userId = single('userId', 'user id');
  const tags = single('tags', 'tags column');
  const traits: Record<string, string> = {};
  for (const p of plan.filter((x) => x.role === 'trait')) {
    const key = p.traitKey.trim();
    if (!key) problems.push(`Give the trait of column “${p.column}” a name.`);
    else if (Object.values(traits).includes(key)) problems.push(`Two columns would fill the trait “${key}”.`);
    else traits[p.column] = key;
  }
  const dcc = defaultCountryCode.trim().replace(/^\+/, '');
  if (dcc && !/^[0-9]{1,4}$/.test(dcc)) problems.push('The default country code is 1 to 4 digits, like 91.');
  if (problems.length || !phone) return { mapping: null, problems };
  const mapping: ImportMapping = { phone, traits };
  if (countryCode) mapping.countryCode = countryCode;
  if (name) mapping.name = name;
  if (userId) mapping.userId = userId;
  if (tags) mapping.tags = tags;
  if (dcc) mapping.defaultCountryCode = dcc;
  const st = staticTags.split(',').map((t) => t.trim()).filter(Boolean);
  if (st.length) mapping.staticTags = st;
  return { mapping, problems };
}

const statusTone = (s: string) => (s === 'completed' ? 'green' : s === 'failed' ? 'red' : 'amber');

/**
 * CSV import: choose a file, map its columns (phone, name, country code, tags, traits), upload it,
 * and watch the import's progress bar until the job has read every row; then the counts and a
 * link to the report of rows that failed.
 */
export function ImportContacts() {
  const session = useSignedIn();
  const canImport = hasRole(session.role, 'admin');
  const fileInput = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [plan, setPlan] = useState<ColumnPlan[]>([]);
  const [sample, setSample] = useState<string[][]>([]);
  const [defaultCc, setDefaultCc] = useState('91');
  const [staticTags, setStaticTags] = useState('');
  const [readError, setReadError] = useState<string>();
  const [uploadError, setUploadError] = useState<string>();
  const [uploading, setUploading] = useState(false);
  const [current, setCurrent] = useState<ContactImport | null>(null);
  const recent = useApi((signal) => api.get<{ items: ContactImport[] }>('/api/v1/contacts/imports', undefined, signal), []);

  const running = current !== null && (current.status === 'queued' || current.status === 'running');
  usePoll(
    () => {
      if (!current) return;
      api.get<ContactImport>(`/api/v1/contacts/imports/${current.id}`).then(
        (imp) => {
          setCurrent(imp);
          if (imp.status === 'completed' || imp.status === 'failed') recent.reload();
        },
        () => undefined,
      );
    },
    500,
    running,
  );

  async function choose(f: File | undefined) {
    setReadError(undefined);
    setUploadError(undefined);
    setCurrent(null);
    if (!f) return;
    try {
      const head = parseCsvHead(await f.slice(0, 64 * 1024).text());
      if (head.columns.length === 0 || head.columns.every((c) => c === '')) throw new Error('The file has no header row.');
      setFile(f);
      setSample(head.rows.slice(0, 3));
      setPlan(head.columns.map((column) => ({ column, role: column === '' ? 'ignore' : guessRole(column), traitKey: traitKeyOf(column) })));
    } catch (err) {
      setFile(null);
      setPlan([]);
      setReadError(err instanceof Error ? err.message : 'The file could not be read.');
    }
  }

  const { mapping, problems } = plan.length ? buildMapping(plan, defaultCc, staticTags) : { mapping: null, problems: [] };

  async function upload() {
    if (!file || !mapping) return;
    setUploading(true);
    setUploadError(undefined);
    try {
      const imp = await request<ContactImport>('/api/v1/contacts/imports', {
        method: 'POST',
        body: file,
        headers: { 'content-type': 'text/csv' },
        query: { mapping: JSON.stringify(mapping), fileName: file.name },
      });
      setCurrent(imp);
    } catch (err) {
      setUploadError(errorMessage(err));
    } finally {
      setUploading(false);
    }
  }

  function reset() {
    setFile(null);
    setPlan([]);
    setSample([]);
    setCurrent(null);
    if (fileInput.current) fileInput.current.value = '';
  }

  const importColumns: Column<ContactImport>[] = [
    { key: 'file', header: 'File', render: (i) => i.fileName ?? 'upload' },
    { key: 'status', header: 'Status', render: (i) => <Badge tone={statusTone(i.status)}>{i.status}</Badge> },
    { key: 'rows', header: 'Rows', numeric: true, render: (i) => fmtInt(i.rowsDone) },
    { key: 'created', header: 'Created', numeric: true, render: (i) => fmtInt(i.rowsCreated) },
    { key: 'updated', header: 'Updated', numeric: true, render: (i) => fmtInt(i.rowsUpdated) },
    { key: 'failed', header: 'Failed', numeric: true, render: (i) => (i.rowsFailed ? <a href={`/api/v1/contacts/imports/${i.id}/errors`}>{fmtInt(i.rowsFailed)} (report)</a> : '0') },
    { key: 'at', header: 'Started', render: (i) => fmtDateTime(i.createdAt) },
  ];

  return (
    <section aria-labelledby="import-title" className="stack">
      <h2 id="import-title">Import contacts from a CSV</h2>
      {!canImport && <p className="note">Only admins and owners can import contacts.</p>}
      {canImport && (
        <div className="card stack">
          <div className="field">
            <label htmlFor="csv-file" className="field-label">
              CSV file
            </label>
            <input id="csv-file" ref={fileInput} type="file" accept=".csv,text/csv" className="input" aria-describedby="csv-file-hint" onChange={(e) => void choose(e.target.files?.[0])} />
            <p id="csv-file-hint" className="field-hint">
              A header row first. One row per contact, with a phone number (with country code, or set a default below).
            </p>
          </div>
          <FormError message={readError} />
          {file && plan.length > 0 && !current && (
            <>
              <div className="table-wrap" tabIndex={0} role="region" aria-label="Column mapping">
                <table className="table mapping-table">
                  <caption className="table-caption">Map the columns of {file.name}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Column</th>
                      <th scope="col">Sample</th>
                      <th scope="col">Import as</th>
                      <th scope="col">Trait name</th>
                    </tr>
                  </thead>
                  <tbody>
                    {plan.map((p, i) => (
                      <tr key={`${p.column}-${i}`}>
                        <th scope="row">{p.column || <span className="muted">(no title)</span>}</th>
                        <td className="muted">{sample.map((r) => r[i] ?? '').filter(Boolean).slice(0, 2).join(', ') || '—'}</td>
                        <td>
                          <select
                            className="input"
                            aria-label={`Import column ${p.column} as`}
                            value={p.role}
                            onChange={(e) => setPlan((old) => old.map((x, j) => (j === i ? { ...x, role: e.target.value as ColumnRole } : x)))}
                          >
                            {ROLE_OPTIONS.map((o) => (
                              <option key={o.value} value={o.value}>
                                {o.label}
                              </option>
                            ))}
                          </select>
                        </td>
                        <td>
                          {p.role === 'trait' ? (
                            <input
                              className="input"
                              aria-label={`Trait name for column ${p.column}`}
                              value={p.traitKey}
                              onChange={(e) => setPlan((old) => old.map((x, j) => (j === i ? { ...x, traitKey: e.target.value } : x)))}
                            />
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div className="form-row">
                <TextField label="Default country code" hint="For numbers written without one" inputMode="numeric" value={defaultCc} onChange={(e) => setDefaultCc(e.target.value)} />
                <TextField label="Tags for every imported contact" hint="Comma separated, optional" value={staticTags} onChange={(e) => setStaticTags(e.target.value)} />
              </div>
              {problems.length > 0 && (
                <ul className="problems" aria-label="Mapping problems">
                  {problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              )}
              <FormError message={uploadError} />
              <div className="actions">
                <Button onClick={() => void upload()} busy={uploading} disabled={!mapping}>
                  Import {file.name}
                </Button>
                <Button variant="ghost" onClick={reset}>
                  Cancel
                </Button>
              </div>
            </>
          )}
          {current && (
            <div className="stack" data-testid="import-progress">
              <p>
                <strong>{current.fileName ?? 'Import'}</strong>: <Badge tone={statusTone(current.status)}>{current.status}</Badge>
              </p>
              <ProgressBar label="Import progress" value={current.percent} max={100} />
              <p aria-live="polite" className="muted" data-testid="import-summary">
                {current.percent} % · {fmtInt(current.rowsDone)}
                {current.rowsTotal !== null ? ` of ${fmtInt(current.rowsTotal)}` : ''} rows read · {fmtInt(current.rowsCreated)} created · {fmtInt(current.rowsUpdated)} updated ·{' '}
                {fmtInt(current.rowsDuplicate)} duplicates · {fmtInt(current.rowsFailed)} failed
              </p>
              {current.error && <FormError message={current.error} />}
              {current.status === 'completed' && current.rowsFailed > 0 && (
                <p>
                  <a href={`/api/v1/contacts/imports/${current.id}/errors`}>Download the report of rows that failed</a>
                </p>
              )}
              {!running && (
                <div className="actions">
                  <Button variant="secondary" onClick={reset}>
                    Import another file
                  </Button>
                </div>
              )}
            </div>
          )}
        </div>
      )}
      {recent.data && recent.data.items.length > 0 && <Table caption="Recent imports" columns={importColumns} rows={recent.data.items} rowKey={(i) => i.id} />}
    </section>
  );
}
