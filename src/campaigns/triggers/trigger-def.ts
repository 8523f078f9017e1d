import type { Problem } from '../mapping.ts';

/** A condition on a contact trait, checked when the delayed send is due. */
export interface TriggerCondition {
  trait: string;
  op: 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'contains' | 'exists' | 'not_exists';
  value?: string | number | boolean | undefined;
}

/**
 * An Ongoing campaign's trigger (Interakt's "Ongoing campaigns"): when `event` is tracked for a
 * contact, send the template after `delayMinutes`, if every condition holds then and `stopIf` was
 * not tracked for that contact in between (abandoned cart: Checkout Started, 15 minutes, stop if
 * Order Placed).
 */
export interface TriggerDef {
  event: string;
  delayMinutes: number;
  conditions?: TriggerCondition[] | undefined;
  stopIf?: string | undefined;
}

export function checkTrigger(t: TriggerDef): Problem[] {
  const problems: Problem[] = [];
  if (!t.event || t.event.length > 255) problems.push({ field: 'trigger.event', message: 'is required (an event name, ≤255 characters)' });
  if (!Number.isFinite(t.delayMinutes) || t.delayMinutes < 0 || t.delayMinutes > 60 * 24 * 30) problems.push({ field: 'trigger.delayMinutes', message: 'must be 0 to 43200 (30 days)' });
  (t.conditions ?? []).forEach((c, i) => {
    if (!c.trait) problems.push({ field: `trigger.conditions[${i}].trait`, message: 'is required' });
    if (!['exists', 'not_exists'].includes(c.op) && c.value === undefined) problems.push({ field: `trigger.conditions[${i}].value`, message: `is required with op ${c.op}` });
  });
  return problems;
}

/** Whether a contact's traits meet every condition. */
export function conditionsHold(conditions: TriggerCondition[] | undefined, traits: Record<string, unknown>): boolean {
  return (conditions ?? []).every((c) => {
    const v = traits[c.trait];
    const has = v !== undefined && v !== null && v !== '';
    switch (c.op) {
      case 'exists':
        return has;
      case 'not_exists':
        return !has;
      case 'eq':
        return has && String(v) === String(c.value);
      case 'neq':
        return !has || String(v) !== String(c.value);
      case 'contains':
        return has && String(v).toLowerCase().includes(String(c.value).toLowerCase());
      default: {
        const a = Number(v);
        const b = Number(c.value);
        if (!has || !Number.isFinite(a) || !Number.isFinite(b)) return false;
        return c.op === 'gt' ? a > b : c.op === 'gte' ? a >= b : c.op === 'lt' ? a < b : a <= b;
      }
    }
  });
}
