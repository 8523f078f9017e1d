import { variablesOf, type TemplateValues } from '../messaging/send/build-template.ts';
import type { Template } from '../templates/index.ts';

/**
 * Where one template variable's value comes from, per recipient: a trait of the contact (`name`
 * and `phone` are traits too), a column of the uploaded CSV row, or a fixed value; `fallback` is
 * used when the trait or column is missing or empty for a recipient.
 */
export interface VariableSource {
  trait?: string | undefined;
  column?: string | undefined;
  value?: string | undefined;
  fallback?: string | undefined;
}

/** Sources for the template's variables, in the order they appear in each component. */
export interface VariableMapping {
  header?: VariableSource[] | undefined;
  body?: VariableSource[] | undefined;
  /** Button index ("0".."9") → sources (a dynamic URL, OTP or copy-code button takes one). */
  buttons?: Record<string, VariableSource[]> | undefined;
  /** File name of a document header. */
  fileName?: string | undefined;
}

export interface Problem {
  field: string;
  message: string;
}

/** How many values each part of a template takes (what the renderer will check). */
export function expectedSlots(template: Template): { header: number; body: number; buttons: Record<string, number>; unsupported?: string } {
  const header = template.components.find((c) => c.type.toUpperCase() === 'HEADER');
  const body = template.components.find((c) => c.type.toUpperCase() === 'BODY');
  const buttons = template.components.find((c) => c.type.toUpperCase() === 'BUTTONS')?.buttons ?? [];
  let h = 0;
  if (header) {
    const format = String(header.format ?? 'TEXT').toUpperCase();
    if (format === 'TEXT') h = variablesOf(header.text).length;
    else if (format === 'LOCATION') h = 4;
    else h = 1;
  }
  const b: Record<string, number> = {};
  buttons.forEach((def, i) => {
    const type = String(def.type).toUpperCase();
    if (type === 'URL' && variablesOf(def.url).length > 0) b[String(i)] = 1;
    if (type === 'OTP' || type === 'COPY_CODE') b[String(i)] = 1;
  });
  const result: ReturnType<typeof expectedSlots> = { header: h, body: variablesOf(body?.text).length, buttons: b };
  if (template.components.some((c) => c.type.toUpperCase() === 'CAROUSEL')) result.unsupported = 'carousel templates cannot be sent by a campaign yet';
  if (buttons.some((d) => ['MPM', 'ORDER_DETAILS'].includes(String(d.type).toUpperCase()))) result.unsupported = 'templates with order or multi-product buttons cannot be sent by a campaign';
  return result;
}

function checkSources(list: VariableSource[] | undefined, expected: number, field: string, what: string, problems: Problem[]) {
  const n = list?.length ?? 0;
  if (n !== expected) problems.push({ field, message: `the template's ${what} has ${expected} variable${expected === 1 ? '' : 's'}; the mapping gives ${n}` });
  (list ?? []).forEach((s, i) => {
    const kinds = [s.trait, s.column, s.value].filter((x) => x !== undefined).length;
    if (kinds !== 1) problems.push({ field: `${field}[${i}]`, message: 'must name exactly one of trait, column or value' });
  });
}

/**
 * The mapping against the template's variables: every header, body and dynamic-button variable
 * mapped, nothing extra. Tracked URL buttons are filled by Samvad (the click token); a mapping for
 * one is optional and gives the suffix appended to the brand's link (clicks/tracked-values.ts).
 */
export function checkMappingShape(template: Template, mapping: VariableMapping, trackedButtons: string[]): Problem[] {
  const problems: Problem[] = [];
  const slots = expectedSlots(template);
  if (slots.unsupported) problems.push({ field: 'templateName', message: slots.unsupported });
  checkSources(mapping.header, slots.header, 'variables.header', 'header', problems);
  checkSources(mapping.body, slots.body, 'variables.body', 'body', problems);
  const given = mapping.buttons ?? {};
  for (const [idx, n] of Object.entries(slots.buttons)) {
    if (trackedButtons.includes(idx)) {
      if (given[idx]) checkSources(given[idx], 1, `variables.buttons.${idx}`, `tracked button at index ${idx} (the value is appended to its link)`, problems);
      continue;
    }
    checkSources(given[idx], n, `variables.buttons.${idx}`, `button at index ${idx}`, problems);
  }
  for (const idx of Object.keys(given)) {
    if (slots.buttons[idx] === undefined) problems.push({ field: `variables.buttons.${idx}`, message: `the template has no button with a variable at index ${idx}` });
  }
  return problems;
}

/** What a recipient's values are read from. */
export interface RecipientData {
  phone: string;
  name: string | null;
  traits: Record<string, unknown>;
  /** The recipient's CSV columns (null for other audiences). */
  columns: Record<string, string> | null;
}

function asText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return s.trim() === '' ? undefined : s;
}

function resolveOne(s: VariableSource, r: RecipientData): string | undefined {
  let v: string | undefined;
  if (s.value !== undefined) v = s.value;
  else if (s.column !== undefined) v = asText(r.columns?.[s.column]);
  else if (s.trait !== undefined) v = s.trait === 'phone' ? r.phone : s.trait === 'name' ? asText(r.name ?? r.traits.name) : asText(r.traits[s.trait]);
  return v ?? s.fallback;
}

/**
 * The template values for one recipient, or the fields that have no value (a trait or column the
 * recipient lacks, with no fallback). Tracked URL buttons get their click token afterwards
 * (clicks/tracked-values.ts), once the message id exists.
 */
export function resolveValues(mapping: VariableMapping, r: RecipientData): { values: TemplateValues; missing: string[] } {
  const missing: string[] = [];
  const list = (sources: VariableSource[] | undefined, field: string) =>
    (sources ?? []).map((s, i) => {
      const v = resolveOne(s, r);
      if (v === undefined) missing.push(`${field}[${i}] (${s.trait !== undefined ? `trait ${s.trait}` : `column ${s.column}`})`);
      return v ?? '';
    });
  const values: TemplateValues = {};
  if (mapping.header?.length) values.headerValues = list(mapping.header, 'header');
  if (mapping.body?.length) values.bodyValues = list(mapping.body, 'body');
  const buttons: Record<string, string[]> = {};
  for (const [idx, sources] of Object.entries(mapping.buttons ?? {})) buttons[idx] = list(sources, `buttons.${idx}`);
  if (Object.keys(buttons).length > 0) values.buttonValues = buttons;
  if (mapping.fileName) values.fileName = mapping.fileName;
  return { values, missing };
}

/** True when no recipient can lack a value (every source is fixed or has a fallback): no audience scan needed. */
export function cannotMiss(mapping: VariableMapping): boolean {
  const all = [...(mapping.header ?? []), ...(mapping.body ?? []), ...Object.values(mapping.buttons ?? {}).flat()];
  return all.every((s) => s.value !== undefined || s.fallback !== undefined);
}
