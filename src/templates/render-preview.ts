import { AppError } from '../platform/errors.ts';
import type { Template, TemplateButtonDef, TemplateComponentDef } from './template.ts';
import type { TemplateProblem } from './validate-template.ts';
import { substituteVariables, variablesOf } from './variables.ts';

/**
 * What a customer sees for a template filled with given values, and the variable-count check
 * that the send API, campaigns and the preview share (contract 3): one place decides how many
 * values each part of a template takes.
 *
 * Values are Interakt's shape: `headerValues`, `bodyValues` (in order of the variables' first
 * appearance, also for named templates), `buttonValues` keyed by button index, `carouselCards`.
 */
export interface TemplateValuesInput {
  headerValues?: string[] | undefined;
  bodyValues?: string[] | undefined;
  buttonValues?: Record<string, string[]> | undefined;
  carouselCards?: { headerValues?: string[]; bodyValues?: string[]; buttonValues?: Record<string, string[]> }[] | undefined;
}

/** One place a template takes values: `bodyValues` takes exactly 3, `buttonValues.1` exactly 1, … */
export interface TemplateSlot {
  /** The values field: `headerValues`, `bodyValues`, `buttonValues.1`, `carouselCards[0].bodyValues`. */
  field: string;
  /** Interakt's wording of the place ("template's body", "template's button at index 1"). */
  where: string;
  min: number;
  max: number;
  /** The variables' names in order ('1', '2' or names); empty for media or location headers and buttons. */
  variables: string[];
  /** For a media header: IMAGE, VIDEO, DOCUMENT (the value is a link); LOCATION takes 4 values. */
  headerFormat?: string;
}

const find = (list: TemplateComponentDef[], type: string) => list.find((c) => String(c.type).toUpperCase() === type);

function headerSlot(def: TemplateComponentDef | undefined, field: string, where: string): TemplateSlot | null {
  if (!def) return null;
  const format = String(def.format ?? 'TEXT').toUpperCase();
  if (format === 'TEXT') {
    const vars = variablesOf(def.text);
    return vars.length ? { field, where, min: vars.length, max: vars.length, variables: vars } : null;
  }
  if (format === 'LOCATION') return { field, where: `${where} (location: latitude, longitude, name, address)`, min: 4, max: 4, variables: [], headerFormat: format };
  if (['IMAGE', 'VIDEO', 'DOCUMENT'].includes(format)) return { field, where, min: 1, max: 1, variables: [], headerFormat: format };
  return null;
}

function buttonSlots(defs: TemplateButtonDef[], field: string, where: string): TemplateSlot[] {
  const out: TemplateSlot[] = [];
  defs.forEach((b, idx) => {
    const type = String(b.type).toUpperCase();
    const f = `${field}.${idx}`;
    const w = `${where} button at index ${idx}`;
    if (type === 'URL') {
      if (variablesOf(b.url).length > 0) out.push({ field: f, where: w, min: 1, max: 1, variables: ['1'] });
    } else if (type === 'OTP' || type === 'COPY_CODE') out.push({ field: f, where: w, min: 1, max: 1, variables: [] });
    else if (type === 'QUICK_REPLY' || type === 'FLOW' || type === 'CATALOG') out.push({ field: f, where: w, min: 0, max: 1, variables: [] });
  });
  return out;
}

/** Every place the template takes values, in order (header, body, buttons, then each carousel card). */
export function templateSlots(template: Pick<Template, 'components'>): TemplateSlot[] {
  const comps = template.components;
  const out: TemplateSlot[] = [];
  const h = headerSlot(find(comps, 'HEADER'), 'headerValues', "template's header");
  if (h) out.push(h);
  const bodyVars = variablesOf(find(comps, 'BODY')?.text);
  if (bodyVars.length) out.push({ field: 'bodyValues', where: "template's body", min: bodyVars.length, max: bodyVars.length, variables: bodyVars });
  out.push(...buttonSlots(find(comps, 'BUTTONS')?.buttons ?? [], 'buttonValues', "template's"));
  (find(comps, 'CAROUSEL')?.cards ?? []).forEach((card, i) => {
    const f = `carouselCards[${i}]`;
    const where = `carousel card ${i}`;
    const ch = headerSlot(find(card.components, 'HEADER'), `${f}.headerValues`, `${where} header`);
    if (ch) out.push(ch);
    const cv = variablesOf(find(card.components, 'BODY')?.text);
    if (cv.length) out.push({ field: `${f}.bodyValues`, where: `${where} body`, min: cv.length, max: cv.length, variables: cv });
    out.push(...buttonSlots(find(card.components, 'BUTTONS')?.buttons ?? [], `${f}.buttonValues`, `${where}'s`));
  });
  return out;
}

function valuesAt(values: TemplateValuesInput, field: string): unknown {
  const m = /^(?:carouselCards\[(\d+)\]\.)?(headerValues|bodyValues|buttonValues)(?:\.(\d+))?$/.exec(field);
  if (!m) return undefined;
  const src: Record<string, unknown> | undefined = m[1] !== undefined ? (values.carouselCards?.[Number(m[1])] as Record<string, unknown> | undefined) : (values as Record<string, unknown>);
  const v = src?.[m[2]!];
  if (m[3] !== undefined) return (v as Record<string, unknown> | undefined)?.[m[3]];
  return v;
}

/**
 * Checks that the values fit the template's variables: every count, every value a non-empty
 * string, no values for parts that take none. Returns every problem (empty when they fit), with
 * Interakt's wording for counts ("Missing variable values for template's body, expected number
 * of values are 3").
 */
export function checkTemplateValues(template: Pick<Template, 'components'>, values: TemplateValuesInput): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const slots = templateSlots(template);
  const fields = new Set(slots.map((s) => s.field));
  for (const s of slots) {
    const v = valuesAt(values, s.field) ?? [];
    if (!Array.isArray(v)) {
      problems.push({ field: s.field, message: 'must be an array of strings' });
      continue;
    }
    if (v.length < s.min || v.length > s.max) {
      problems.push({ field: s.field, message: `Missing variable values for ${s.where}, expected number of values are ${s.min === s.max ? s.min : `at most ${s.max}`}` });
      continue;
    }
    v.forEach((x, i) => {
      if (typeof x !== 'string' || x.length === 0) problems.push({ field: `${s.field}[${i}]`, message: 'must be a non-empty string' });
    });
  }
  // Values for parts that take none (a body without variables given bodyValues, a wrong button index).
  const given: string[] = [];
  const collect = (prefix: string, src: TemplateValuesInput | undefined) => {
    if (!src) return;
    if (Array.isArray(src.headerValues) && src.headerValues.length > 0) given.push(`${prefix}headerValues`);
    if (Array.isArray(src.bodyValues) && src.bodyValues.length > 0) given.push(`${prefix}bodyValues`);
    for (const [k, arr] of Object.entries(src.buttonValues ?? {})) if (Array.isArray(arr) && arr.length > 0) given.push(`${prefix}buttonValues.${k}`);
  };
  collect('', values);
  const cards = find(template.components, 'CAROUSEL')?.cards ?? [];
  (values.carouselCards ?? []).forEach((c, i) => collect(`carouselCards[${i}].`, c));
  if ((values.carouselCards?.length ?? 0) !== cards.length && (cards.length > 0 || (values.carouselCards?.length ?? 0) > 0)) {
    problems.push({ field: 'carouselCards', message: `Missing values for template's carousel cards, expected number of cards are ${cards.length}` });
  }
  for (const g of given) {
    if (!fields.has(g)) problems.push({ field: g, message: 'takes no values: the template has no variable there' });
  }
  return problems;
}

export interface TemplatePreview {
  /** Header text with values, or null (no header, or a media/location header). */
  header: string | null;
  /** A media or location header: its format and the link given for it. */
  headerMedia: { format: string; link: string | null } | null;
  body: string;
  footer: string | null;
  buttons: { type: string; text: string; url?: string; phoneNumber?: string; payload?: string }[];
  cards: { header: { format: string; link: string | null } | null; body: string; buttons: { type: string; text: string; url?: string }[] }[];
  /** The message as the phone shows it, one part per line: header, body, footer, then `[button]` labels. */
  text: string;
}

function fill(text: string | undefined, vars: string[], values: string[] | undefined): string {
  if (!text) return '';
  return substituteVariables(text, new Map(vars.map((v, i) => [v, values?.[i] ?? `{{${v}}}`])));
}

function renderButtons(defs: TemplateButtonDef[], values: Record<string, string[]> | undefined) {
  return defs.map((b, idx) => {
    const type = String(b.type).toUpperCase();
    const v = values?.[String(idx)];
    const text = typeof b.text === 'string' ? b.text : type === 'COPY_CODE' || type === 'OTP' ? 'Copy code' : type;
    const out: TemplatePreview['buttons'][number] = { type, text };
    if (type === 'URL' && typeof b.url === 'string') out.url = fill(b.url, ['1'], v);
    if (type === 'PHONE_NUMBER' && typeof b.phone_number === 'string') out.phoneNumber = b.phone_number;
    if (type === 'QUICK_REPLY') out.payload = v?.[0] ?? text;
    return out;
  });
}

function mediaHeader(def: TemplateComponentDef | undefined, values: string[] | undefined) {
  if (!def) return null;
  const format = String(def.format ?? 'TEXT').toUpperCase();
  if (format === 'TEXT') return null;
  return { format, link: format === 'LOCATION' ? null : (values?.[0] ?? null) };
}

/**
 * Renders the template with the values. Throws a 400 (`validation_failed`) listing every
 * mismatch when the values do not fit the template's variables.
 */
export function renderTemplatePreview(template: Pick<Template, 'components' | 'name'>, values: TemplateValuesInput): TemplatePreview {
  const problems = checkTemplateValues(template, values);
  if (problems.length > 0) {
    throw new AppError('validation_failed', `Values do not fit template "${template.name}": ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
  }
  const comps = template.components;
  const headerDef = find(comps, 'HEADER');
  const headerFormat = String(headerDef?.format ?? 'TEXT').toUpperCase();
  const header = headerDef && headerFormat === 'TEXT' ? fill(headerDef.text, variablesOf(headerDef.text), values.headerValues) : null;
  const bodyDef = find(comps, 'BODY');
  const body = fill(bodyDef?.text, variablesOf(bodyDef?.text), values.bodyValues);
  const footer = typeof find(comps, 'FOOTER')?.text === 'string' ? (find(comps, 'FOOTER')!.text as string) : null;
  const buttons = renderButtons(find(comps, 'BUTTONS')?.buttons ?? [], values.buttonValues);
  const cards = (find(comps, 'CAROUSEL')?.cards ?? []).map((card, i) => {
    const v = values.carouselCards?.[i] ?? {};
    const cb = find(card.components, 'BODY');
    return {
      header: mediaHeader(find(card.components, 'HEADER'), v.headerValues),
      body: fill(cb?.text, variablesOf(cb?.text), v.bodyValues),
      buttons: renderButtons(find(card.components, 'BUTTONS')?.buttons ?? [], v.buttonValues).map(({ type, text, url }) => ({ type, text, ...(url ? { url } : {}) })),
    };
  });
  const headerMedia = mediaHeader(headerDef, values.headerValues);
  const lines = [
    headerMedia ? `[${headerMedia.format.charAt(0)}${headerMedia.format.slice(1).toLowerCase()}]` : null,
    header,
    body,
    footer,
    ...buttons.map((b) => `[${b.text}]`),
    ...cards.map((c, i) => [`— card ${i + 1} —`, c.header ? `[${c.header.format.charAt(0)}${c.header.format.slice(1).toLowerCase()}]` : null, c.body, ...c.buttons.map((b) => `[${b.text}]`)].filter(Boolean).join('\n')),
  ];
  return { header, headerMedia, body, footer, buttons, cards, text: lines.filter((x): x is string => typeof x === 'string' && x.length > 0).join('\n') };
}
