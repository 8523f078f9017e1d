import type { Template } from '../templates/types.ts';
import { variablesIn } from '../templates/types.ts';

/** A template variable the campaign must fill per recipient (mirrors src/campaigns/mapping.ts expectedSlots). */
export interface Slot {
  part: 'header' | 'body' | 'button';
  /** Index within the part (body variable 0, 1…), or the button's index. */
  index: number;
  label: string;
  /** A URL button with a variable: can be a tracked link instead of a mapped value. */
  trackable?: boolean;
}

export function slotsOf(t: Template): { slots: Slot[]; unsupported?: string } {
  const slots: Slot[] = [];
  const header = t.components.find((c) => c.type.toUpperCase() === 'HEADER');
  const body = t.components.find((c) => c.type.toUpperCase() === 'BODY');
  const buttons = t.components.find((c) => c.type.toUpperCase() === 'BUTTONS')?.buttons ?? [];
  if (t.components.some((c) => c.type.toUpperCase() === 'CAROUSEL')) return { slots, unsupported: 'Carousel templates cannot be sent by a campaign yet.' };
  if (header) {
    const format = String(header.format ?? 'TEXT').toUpperCase();
    if (format === 'TEXT') variablesIn(header.text).forEach((v, i) => slots.push({ part: 'header', index: i, label: `Header {{${v}}}` }));
    else if (format === 'LOCATION') return { slots, unsupported: 'Location-header templates cannot be set up here yet; use the API.' };
    else slots.push({ part: 'header', index: 0, label: `Header ${format.toLowerCase()} link` });
  }
  variablesIn(body?.text).forEach((v, i) => slots.push({ part: 'body', index: i, label: `Body {{${v}}}` }));
  buttons.forEach((b, i) => {
    const type = String(b.type).toUpperCase();
    if (type === 'URL' && variablesIn(b.url).length > 0) slots.push({ part: 'button', index: i, label: `Button “${b.text ?? i + 1}” URL {{1}}`, trackable: true });
    if (type === 'OTP' || type === 'COPY_CODE') slots.push({ part: 'button', index: i, label: `Button ${i + 1} code` });
  });
  return { slots };
}
