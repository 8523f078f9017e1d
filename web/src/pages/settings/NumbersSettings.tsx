import { useState } from 'react';
import { api, errorMessage } from '../../lib/api.ts';
import { useApi } from '../../lib/use-api.ts';
import { Badge, Button, Dialog, ErrorBlock, FormError, SelectField, Spinner, Table, TextField, useToast, type Column } from '../../lib/ui/index.ts';
import { fmtInt } from '../analytics/format.ts';

interface BusinessNumber {
  id: string;
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  verifiedName: string | null;
  throughputMps: number;
  messagingLimitTier: string;
  qualityRating: string | null;
  isDefault: boolean;
  isSandbox: boolean;
  dispatchPaused: boolean;
  dispatchPauseReason: string | null;
}

interface TestReport {
  ok: boolean;
  checks: { name: string; result: 'ok' | 'warning' | 'failed'; message: string }[];
}

const TIERS = ['TIER_250', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED'];
const EMPTY = { phoneNumberId: '', wabaId: '', displayPhoneNumber: '', verifiedName: '', accessToken: '', appSecret: '', verifyToken: '', throughputMps: '80', messagingLimitTier: 'TIER_250' };

/** WhatsApp business numbers: the sandbox number, real ones, their health; test, resume, make default, connect, disconnect. */
export function NumbersSettings() {
  const toast = useToast();
  const list = useApi((signal) => api.get<{ data: BusinessNumber[] }>('/api/v1/numbers', undefined, signal), []);
  const [reports, setReports] = useState<Record<string, TestReport>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [form, setForm] = useState(EMPTY);
  const [formError, setFormError] = useState<string>();

  async function run(id: string, what: string, fn: () => Promise<unknown>) {
    setBusy(`${what}:${id}`);
    try {
      await fn();
      list.reload();
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    } finally {
      setBusy(null);
    }
  }

  async function add() {
    setFormError(undefined);
    try {
      await api.post('/api/v1/numbers', {
        phoneNumberId: form.phoneNumberId.trim(),
        wabaId: form.wabaId.trim(),
        displayPhoneNumber: form.displayPhoneNumber.trim(),
        verifiedName: form.verifiedName.trim() || null,
        accessToken: form.accessToken,
        appSecret: form.appSecret,
        verifyToken: form.verifyToken,
        throughputMps: Number(form.throughputMps) || 80,
        messagingLimitTier: form.messagingLimitTier,
      });
      setAdding(false);
      setForm(EMPTY);
      toast.show('Number connected', 'success');
      list.reload();
    } catch (err) {
      setFormError(errorMessage(err));
    }
  }

  const columns: Column<BusinessNumber>[] = [
    {
      key: 'number',
      header: 'Number',
      render: (n) => (
        <span className="stack-tight">
          <strong>+{n.displayPhoneNumber.replace(/^\+/, '')}</strong>
          <span className="muted small">{n.verifiedName ?? '—'}</span>
        </span>
      ),
    },
    {
      key: 'kind',
      header: 'Kind',
      render: (n) => (
        <span className="chips">
          {n.isSandbox ? <Badge tone="amber">sandbox</Badge> : <Badge tone="blue">Meta</Badge>}
          {n.isDefault && <Badge tone="green">default</Badge>}
        </span>
      ),
    },
    { key: 'quality', header: 'Quality', render: (n) => n.qualityRating ?? '—' },
    { key: 'tier', header: 'Messaging limit', render: (n) => n.messagingLimitTier.replace('TIER_', '') + ' / day' },
    { key: 'mps', header: 'Throughput', numeric: true, render: (n) => `${fmtInt(n.throughputMps)}/s` },
    {
      key: 'dispatch',
      header: 'Sending',
      render: (n) => (n.dispatchPaused ? <Badge tone="red">paused: {n.dispatchPauseReason ?? 'account error'}</Badge> : <Badge tone="green">active</Badge>),
    },
    {
      key: 'actions',
      header: 'Actions',
      render: (n) => (
        <span className="row-wrap">
          <Button size="sm" variant="secondary" busy={busy === `test:${n.id}`} onClick={() =>
              void run(n.id, 'test', async () => {
                const report = await api.post<TestReport>(`/api/v1/numbers/${n.id}/test`);
                setReports((old) => ({ ...old, [n.id]: report }));
              })
            } aria-label={`Test ${n.displayPhoneNumber}`}>
            Test
          </Button>
          {n.dispatchPaused && (
            <Button size="sm" busy={busy === `resume:${n.id}`} onClick={() => void run(n.id, 'resume', () => api.post(`/api/v1/numbers/${n.id}/resume`))} aria-label={`Resume sending on ${n.displayPhoneNumber}`}>
              Resume
            </Button>
          )}
          {!n.isDefault && (
            <Button size="sm" variant="ghost" busy={busy === `default:${n.id}`} onClick={() => void run(n.id, 'default', () => api.patch(`/api/v1/numbers/${n.id}`, { isDefault: true }))} aria-label={`Make ${n.displayPhoneNumber} the default`}>
              Make default
            </Button>
          )}
          {!n.isSandbox && (
            <Button
              size="sm"
              variant="ghost"
              onClick={() => window.confirm(`Disconnect +${n.displayPhoneNumber}?`) && void run(n.id, 'delete', () => api.delete(`/api/v1/numbers/${n.id}`))}
              aria-label={`Disconnect ${n.displayPhoneNumber}`}
            >
              Disconnect
            </Button>
          )}
        </span>
      ),
    },
  ];
  const set = (k: keyof typeof EMPTY) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  return (
    <section className="stack" aria-labelledby="numbers-title">
      <div className="section-head">
        <h2 id="numbers-title">WhatsApp numbers</h2>
        <Button onClick={() => setAdding(true)}>Connect a number</Button>
      </div>
      {list.error && <ErrorBlock message={list.error} onRetry={list.reload} />}
      {list.loading && !list.data ? <Spinner /> : <Table caption="WhatsApp numbers" hideCaption columns={columns} rows={list.data?.data ?? []} rowKey={(n) => n.id} empty="No numbers." />}
      {list.data?.data.some((n) => n.isSandbox) && (
        <p className="note">The sandbox number sends to the built-in WhatsApp emulator and its virtual customers; nothing reaches Meta. Try it from the Sandbox phone page.</p>
      )}
      {Object.entries(reports).map(([id, r]) =>
        r ? (
          <div key={id} className="card" role="status">
            <p>
              <strong>Test of {list.data?.data.find((n) => n.id === id)?.displayPhoneNumber ?? id}:</strong> {r.ok ? 'working' : 'problems found'}
            </p>
            <ul>
              {r.checks.map((c) => (
                <li key={c.name}>
                  <Badge tone={c.result === 'ok' ? 'green' : c.result === 'warning' ? 'amber' : 'red'}>{c.result}</Badge> {c.message}
                </li>
              ))}
            </ul>
          </div>
        ) : null,
      )}
      <Dialog
        open={adding}
        title="Connect a WhatsApp number"
        onClose={() => setAdding(false)}
        footer={
          <>
            <Button variant="secondary" onClick={() => setAdding(false)}>
              Cancel
            </Button>
            <Button onClick={() => void add()}>Connect</Button>
          </>
        }
      >
        <p className="muted">From Meta's WhatsApp Manager and your app's settings.</p>
        <TextField label="Phone number id" value={form.phoneNumberId} onChange={set('phoneNumberId')} />
        <TextField label="WhatsApp Business Account id" value={form.wabaId} onChange={set('wabaId')} />
        <TextField label="Display phone number" hint="With country code" value={form.displayPhoneNumber} onChange={set('displayPhoneNumber')} />
        <TextField label="Verified name" value={form.verifiedName} onChange={set('verifiedName')} />
        <TextField label="Access token" type="password" autoComplete="off" value={form.accessToken} onChange={set('accessToken')} />
        <TextField label="App secret" type="password" autoComplete="off" value={form.appSecret} onChange={set('appSecret')} />
        <TextField label="Webhook verify token" hint="You choose it; enter the same in Meta's dashboard" autoComplete="off" value={form.verifyToken} onChange={set('verifyToken')} />
        <div className="form-row">
          <TextField label="Throughput (messages/s)" inputMode="numeric" value={form.throughputMps} onChange={set('throughputMps')} />
          <SelectField label="Messaging limit" value={form.messagingLimitTier} onChange={set('messagingLimitTier')} options={TIERS.map((t) => ({ value: t, label: t.replace('TIER_', '') }))} />
        </div>
        <FormError message={formError} />
      </Dialog>
    </section>
  );
}
