import { useEffect, useState } from 'react';
import { api, errorMessage } from '../../lib/api.ts';
import { hasRole, useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { Button, ErrorBlock, FormError, SelectField, TextField, useToast } from '../../lib/ui/index.ts';
import { fmtInt } from '../analytics/format.ts';
import { useDebounced } from '../analytics/use-debounced.ts';
import type { ConditionType, Segment, SegmentCondition, SegmentDefinition } from './types.ts';

/** One condition as the form holds it (every input is text until it is sent). */
interface Draft {
  type: ConditionType;
  trait: string;
  op: string;
  val: string;
  tag: string;
  event: string;
  count: string;
  withinDays: string;
  notFollowedBy: string;
  withinMinutes: string;
  lookbackDays: string;
}

const TRAIT_OPS = [
  { value: 'eq', label: 'is' },
  { value: 'ne', label: 'is not' },
  { value: 'contains', label: 'contains' },
  { value: 'gt', label: 'is more than' },
  { value: 'gte', label: 'is at least' },
  { value: 'lt', label: 'is less than' },
  { value: 'lte', label: 'is at most' },
  { value: 'in', label: 'is one of (comma separated)' },
  { value: 'exists', label: 'is set' },
  { value: 'not_exists', label: 'is not set' },
];
const EVENT_OPS = [
  { value: 'at_least', label: 'at least' },
  { value: 'at_most', label: 'at most' },
  { value: 'did_not', label: 'did not do it' },
];
const TYPES = [
  { value: 'trait', label: 'Trait' },
  { value: 'tag', label: 'Tag' },
  { value: 'event', label: 'Event' },
  { value: 'event_not_followed', label: 'Event not followed by another' },
];

function emptyDraft(type: ConditionType = 'trait'): Draft {
  return { type, trait: '', op: type === 'tag' ? 'has' : type === 'event' ? 'at_least' : 'eq', val: '', tag: '', event: '', count: '1', withinDays: '30', notFollowedBy: '', withinMinutes: '60', lookbackDays: '7' };
}

function typedValue(op: string, raw: string): unknown {
  if (op === 'in') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (['gt', 'gte', 'lt', 'lte'].includes(op) && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

/** The API's condition, or a sentence saying what is missing. */
export function toCondition(d: Draft): SegmentCondition | string {
  const num = (s: string, what: string, min = 0) => {
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n) || n < min) return `${what} must be a number of at least ${min}`;
    return n;
  };
  if (d.type === 'trait') {
    if (!d.trait.trim()) return 'Name the trait';
    if (d.op === 'exists' || d.op === 'not_exists') return { type: 'trait', trait: d.trait.trim(), op: d.op };
    if (d.val.trim() === '') return 'Give the value to compare with';
    return { type: 'trait', trait: d.trait.trim(), op: d.op, val: typedValue(d.op, d.val.trim()) };
  }
  if (d.type === 'tag') return d.tag.trim() ? { type: 'tag', tag: d.tag.trim(), op: d.op } : 'Name the tag';
  if (d.type === 'event') {
    if (!d.event.trim()) return 'Name the event';
    const days = num(d.withinDays, 'Days', 1);
    if (typeof days === 'string') return days;
    if (d.op === 'did_not') return { type: 'event', event: d.event.trim(), op: 'did_not', withinDays: days };
    const count = num(d.count, 'The count', 0);
    if (typeof count === 'string') return count;
    return { type: 'event', event: d.event.trim(), op: d.op, count: Math.round(count), withinDays: days };
  }
  if (!d.event.trim() || !d.notFollowedBy.trim()) return 'Name both events';
  const minutes = num(d.withinMinutes, 'Minutes', 1);
  if (typeof minutes === 'string') return minutes;
  const lookback = num(d.lookbackDays, 'Days', 1);
  if (typeof lookback === 'string') return lookback;
  return { type: 'event_not_followed', event: d.event.trim(), notFollowedBy: d.notFollowedBy.trim(), withinMs: Math.round(minutes * 60_000), lookbackDays: lookback };
}

function ConditionEditor({ index, draft, onChange, onRemove, problem }: { index: number; draft: Draft; onChange: (d: Draft) => void; onRemove?: () => void; problem: string | undefined }) {
  const set = (patch: Partial<Draft>) => onChange({ ...draft, ...patch });
  const n = index + 1;
  return (
    <fieldset className="condition">
      <legend>Condition {n}</legend>
      <div className="form-row">
        <SelectField label="Kind" options={TYPES} value={draft.type} onChange={(e) => onChange(emptyDraft(e.target.value as ConditionType))} />
        {draft.type === 'trait' && (
          <>
            <TextField label="Trait" placeholder="city" value={draft.trait} onChange={(e) => set({ trait: e.target.value })} />
            <SelectField label="Comparison" options={TRAIT_OPS} value={draft.op} onChange={(e) => set({ op: e.target.value })} />
            {draft.op !== 'exists' && draft.op !== 'not_exists' && <TextField label="Value" value={draft.val} onChange={(e) => set({ val: e.target.value })} />}
          </>
        )}
        {draft.type === 'tag' && (
          <>
            <SelectField
              label="Contact"
              options={[
                { value: 'has', label: 'has the tag' },
                { value: 'not_has', label: 'does not have the tag' },
              ]}
              value={draft.op}
              onChange={(e) => set({ op: e.target.value })}
            />
            <TextField label="Tag" placeholder="vip" value={draft.tag} onChange={(e) => set({ tag: e.target.value })} />
          </>
        )}
        {draft.type === 'event' && (
          <>
            <TextField label="Event" placeholder="Order Placed" value={draft.event} onChange={(e) => set({ event: e.target.value })} />
            <SelectField label="How often" options={EVENT_OPS} value={draft.op} onChange={(e) => set({ op: e.target.value })} />
            {draft.op !== 'did_not' && <TextField label="Times" inputMode="numeric" value={draft.count} onChange={(e) => set({ count: e.target.value })} />}
            <TextField label="In the last (days)" inputMode="numeric" value={draft.withinDays} onChange={(e) => set({ withinDays: e.target.value })} />
          </>
        )}
        {draft.type === 'event_not_followed' && (
          <>
            <TextField label="Did" placeholder="Checkout Started" value={draft.event} onChange={(e) => set({ event: e.target.value })} />
            <TextField label="But not" placeholder="Order Placed" value={draft.notFollowedBy} onChange={(e) => set({ notFollowedBy: e.target.value })} />
            <TextField label="Within (minutes)" inputMode="numeric" value={draft.withinMinutes} onChange={(e) => set({ withinMinutes: e.target.value })} />
            <TextField label="Looking back (days)" inputMode="numeric" value={draft.lookbackDays} onChange={(e) => set({ lookbackDays: e.target.value })} />
          </>
        )}
      </div>
      {problem && <p className="field-hint">{problem}</p>}
      {onRemove && (
        <Button variant="ghost" size="sm" onClick={onRemove} aria-label={`Remove condition ${n}`}>
          Remove
        </Button>
      )}
    </fieldset>
  );
}

/**
 * Segment builder: conditions on traits, tags and events, matched all or any, with a live count of
 * the contacts that match now (POST /segments/preview as the definition changes); saved segments
 * below with their current counts and a CSV of their members.
 */
export function SegmentBuilder() {
  const session = useSignedIn();
  const canSave = hasRole(session.role, 'admin');
  const toast = useToast();
  const [name, setName] = useState('');
  const [match, setMatch] = useState<'all' | 'any'>('all');
  const [drafts, setDrafts] = useState<Draft[]>([emptyDraft()]);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const segments = useApi((signal) => api.get<{ items: Segment[] }>('/api/v1/segments', undefined, signal), []);

  const parsed = drafts.map(toCondition);
  const complete = parsed.every((c) => typeof c !== 'string');
  const definition: SegmentDefinition | null = complete ? { match, conditions: parsed as SegmentCondition[] } : null;
  const debounced = useDebounced(definition ? JSON.stringify(definition) : '', 350);
  const [count, setCount] = useState<{ state: 'idle' | 'counting' | 'done' | 'error'; value?: number; error?: string }>({ state: 'idle' });

  useEffect(() => {
    if (!debounced) {
      setCount({ state: 'idle' });
      return;
    }
    const controller = new AbortController();
    setCount((c) => ({ ...c, state: 'counting' }));
    api
      .post<{ count: number }>('/api/v1/segments/preview', { definition: JSON.parse(debounced) as SegmentDefinition })
      .then(
        (r) => !controller.signal.aborted && setCount({ state: 'done', value: r.count }),
        (err: unknown) => !controller.signal.aborted && setCount({ state: 'error', error: errorMessage(err) }),
      );
    return () => controller.abort();
  }, [debounced]);

  async function save() {
    if (!definition) return;
    setSaving(true);
    setSaveError(undefined);
    try {
      await api.post('/api/v1/segments', { name: name.trim(), definition });
      toast.show(`Segment “${name.trim()}” saved`, 'success');
      setName('');
      segments.reload();
    } catch (err) {
      setSaveError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  }

  async function remove(s: Segment) {
    if (!window.confirm(`Delete the segment “${s.name}”?`)) return;
    try {
      await api.delete(`/api/v1/segments/${s.id}`);
      segments.reload();
    } catch (err) {
      toast.show(errorMessage(err), 'error');
    }
  }

  return (
    <div className="stack">
      <section aria-labelledby="builder-title" className="card stack">
        <h2 id="builder-title">New segment</h2>
        <SelectField
          label="Contacts must match"
          options={[
            { value: 'all', label: 'all of the conditions' },
            { value: 'any', label: 'any of the conditions' },
          ]}
          value={match}
          onChange={(e) => setMatch(e.target.value as 'all' | 'any')}
        />
        {drafts.map((d, i) => (
          <ConditionEditor
            key={i}
            index={i}
            draft={d}
            problem={typeof parsed[i] === 'string' ? (parsed[i] as string) : undefined}
            onChange={(nd) => setDrafts((old) => old.map((x, j) => (j === i ? nd : x)))}
            {...(drafts.length > 1 ? { onRemove: () => setDrafts((old) => old.filter((_, j) => j !== i)) } : {})}
          />
        ))}
        <div className="actions">
          <Button variant="secondary" onClick={() => setDrafts((old) => [...old, emptyDraft()])} disabled={drafts.length >= 20}>
            Add a condition
          </Button>
        </div>
        <p className="live-count" aria-live="polite" data-testid="segment-count">
          {count.state === 'idle' && 'Complete the conditions to see how many contacts match.'}
          {count.state === 'counting' && (count.value === undefined ? 'Counting…' : `${fmtInt(count.value)} contacts match (updating…)`)}
          {count.state === 'done' && (
            <>
              <strong>{fmtInt(count.value)}</strong> contact{count.value === 1 ? '' : 's'} match now
            </>
          )}
          {count.state === 'error' && <span className="error-text">Could not count: {count.error}</span>}
        </p>
        {canSave ? (
          <div className="form-row align-end">
            <TextField label="Segment name" value={name} maxLength={128} onChange={(e) => setName(e.target.value)} />
            <Button onClick={() => void save()} busy={saving} disabled={!definition || !name.trim()}>
              Save segment
            </Button>
          </div>
        ) : (
          <p className="note">Only admins and owners can save segments.</p>
        )}
        <FormError message={saveError} />
      </section>

      <section aria-labelledby="segments-title" className="stack">
        <h2 id="segments-title">Saved segments</h2>
        {segments.error && <ErrorBlock message={segments.error} onRetry={segments.reload} />}
        {segments.data && segments.data.items.length === 0 && <p className="muted">No segments yet.</p>}
        <ul className="card-list">
          {segments.data?.items.map((s) => <SavedSegment key={s.id} segment={s} canDelete={canSave} onDelete={() => void remove(s)} />)}
        </ul>
      </section>
    </div>
  );
}

function describe(c: SegmentCondition): string {
  if (c.type === 'trait') return `${c.trait} ${TRAIT_OPS.find((o) => o.value === c.op)?.label ?? c.op}${c.val !== undefined ? ` ${Array.isArray(c.val) ? c.val.join(', ') : String(c.val)}` : ''}`;
  if (c.type === 'tag') return `${c.op === 'not_has' ? 'no tag' : 'tag'} ${c.tag}`;
  if (c.type === 'event') return c.op === 'did_not' ? `did not do ${c.event} in ${c.withinDays} days` : `did ${c.event} ${c.op === 'at_most' ? 'at most' : 'at least'} ${c.count}× in ${c.withinDays} days`;
  return `did ${c.event} but not ${c.notFollowedBy} within ${Math.round((c.withinMs ?? 0) / 60000)} min`;
}

function SavedSegment({ segment, canDelete, onDelete }: { segment: Segment; canDelete: boolean; onDelete: () => void }) {
  const count = useApi((signal) => api.get<{ count: number }>(`/api/v1/segments/${segment.id}/count`, undefined, signal), [segment.id]);
  return (
    <li className="card segment-item">
      <div>
        <h3>{segment.name}</h3>
        <p className="muted">
          {segment.definition.conditions.map(describe).join(segment.definition.match === 'any' ? ' or ' : ' and ')}
        </p>
      </div>
      <div className="segment-side">
        <span aria-label={`${segment.name} count`}>{count.data ? `${fmtInt(count.data.count)} contacts` : count.error ? 'count failed' : 'counting…'}</span>
        <a href={`/api/v1/segments/${segment.id}/members`}>Members (CSV)</a>
        {canDelete && (
          <Button variant="ghost" size="sm" onClick={onDelete} aria-label={`Delete segment ${segment.name}`}>
            Delete
          </Button>
        )}
      </div>
    </li>
  );
}
