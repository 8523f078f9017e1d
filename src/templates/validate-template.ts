import { AppError } from '../platform/errors.ts';
import { isSupportedLanguage } from './languages.ts';
import type { TemplateButtonDef, TemplateComponentDef } from './template.ts';
import { VARIABLE_RE, variableOccurrences, variablesOf } from './variables.ts';

/**
 * Meta's template creation rules (cloud-api-limits.md §5.2–5.3), checked before anything is
 * submitted so the caller sees every problem at once instead of one Graph error per attempt.
 * Meta stays the judge: what it refuses anyway (a taken name after a delete, the template cap,
 * the hourly creation limit, review outcomes) comes back as Meta's error or a status webhook.
 */

export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

/** Pre-2022 categories: seen on old templates (parsed on sync), never accepted on create. */
const LEGACY_CATEGORIES = new Set([
  'ACCOUNT_UPDATE', 'ALERT_UPDATE', 'APPOINTMENT_UPDATE', 'AUTO_REPLY', 'ISSUE_RESOLUTION', 'PAYMENT_UPDATE',
  'PERSONAL_FINANCE_UPDATE', 'RESERVATION_UPDATE', 'SHIPPING_UPDATE', 'TICKET_UPDATE', 'TRANSPORTATION_UPDATE', 'TRANSACTIONAL', 'OTP',
]);

const BUTTON_TYPES = ['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'OTP', 'FLOW', 'VOICE_CALL', 'CATALOG', 'MPM', 'SPM'];
/** Buttons whose label is fixed by WhatsApp (no `text` needed). */
const UNLABELLED_BUTTONS = new Set(['COPY_CODE', 'OTP', 'CATALOG', 'MPM', 'SPM']);
const BUTTON_MAX: Record<string, number> = { QUICK_REPLY: 10, URL: 2, PHONE_NUMBER: 1, COPY_CODE: 1, FLOW: 1, VOICE_CALL: 1, OTP: 1 };
const HEADER_FORMATS = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'];

export const LIMITS = {
  name: 512,
  headerText: 60,
  bodyText: 1024,
  footerText: 60,
  buttons: 10,
  buttonText: 25,
  url: 2000,
  phoneNumber: 20,
  copyCodeExample: 20,
  carouselCards: 10,
  carouselCardBody: 160,
} as const;

/** A template definition as callers write it (Meta's create body). */
export interface TemplateDefinitionInput {
  name?: unknown;
  language?: unknown;
  category?: unknown;
  parameter_format?: unknown;
  components?: unknown;
  message_send_ttl_seconds?: unknown;
  sub_category?: unknown;
}

export interface TemplateProblem {
  /** Where: `name`, `components[1].text`, `components[3].buttons[0].url`, … */
  field: string;
  message: string;
}

export interface TemplateDefinition {
  name: string;
  language: string;
  category: TemplateCategory;
  parameterFormat: 'positional' | 'named';
  /** Normalised: component, format and button types upper case. */
  components: TemplateComponentDef[];
  ttlSeconds: number | null;
  subCategory: string | null;
}

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);

class Problems {
  readonly list: TemplateProblem[] = [];
  add(field: string, message: string) {
    this.list.push({ field, message });
  }
}

/**
 * Checks a definition against every rule and returns all problems (empty when valid) with the
 * normalised definition. Pure: no database, no network.
 */
export function validateTemplateDefinition(input: TemplateDefinitionInput): { definition: TemplateDefinition; problems: TemplateProblem[] } {
  const p = new Problems();

  let name = '';
  if (typeof input.name !== 'string' || input.name.length === 0) p.add('name', 'is required');
  else {
    name = input.name;
    if (name.length > LIMITS.name) p.add('name', `must be at most ${LIMITS.name} characters, got ${name.length}`);
    if (!/^[a-z0-9_]+$/.test(name)) p.add('name', 'may contain only lowercase letters, digits and underscores');
  }

  let language = '';
  if (typeof input.language !== 'string' || input.language.length === 0) p.add('language', 'is required');
  else {
    language = input.language;
    if (!isSupportedLanguage(language)) p.add('language', `"${language}" is not a language code Meta supports for templates (e.g. en, en_US, hi)`);
  }

  let category = '' as TemplateCategory;
  if (typeof input.category !== 'string' || input.category.length === 0) p.add('category', 'is required');
  else {
    const c = input.category.toUpperCase();
    if ((TEMPLATE_CATEGORIES as readonly string[]).includes(c)) category = c as TemplateCategory;
    else if (LEGACY_CATEGORIES.has(c)) p.add('category', `"${input.category}" is a category Meta retired; use MARKETING, UTILITY or AUTHENTICATION`);
    else p.add('category', `must be MARKETING, UTILITY or AUTHENTICATION, got "${input.category}"`);
  }

  let parameterFormat: 'positional' | 'named' = 'positional';
  if (input.parameter_format !== undefined && input.parameter_format !== null) {
    const f = String(input.parameter_format).toLowerCase();
    if (f === 'positional' || f === 'named') parameterFormat = f;
    else p.add('parameter_format', `must be "positional" or "named", got "${String(input.parameter_format)}"`);
  }

  let ttlSeconds: number | null = null;
  if (input.message_send_ttl_seconds !== undefined && input.message_send_ttl_seconds !== null) {
    const t = input.message_send_ttl_seconds;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1) p.add('message_send_ttl_seconds', 'must be a positive whole number of seconds');
    else ttlSeconds = t;
  }

  let subCategory: string | null = null;
  if (input.sub_category !== undefined && input.sub_category !== null) {
    if (typeof input.sub_category !== 'string') p.add('sub_category', 'must be a string');
    else subCategory = input.sub_category;
  }

  const components = validateComponents(p, input.components, parameterFormat, category);
  return { definition: { name, language, category, parameterFormat, components, ttlSeconds, subCategory }, problems: p.list };
}

/** validateTemplateDefinition, throwing one 400 that lists every problem (message and details). */
export function assertValidTemplate(input: TemplateDefinitionInput): TemplateDefinition {
  const { definition, problems } = validateTemplateDefinition(input);
  if (problems.length > 0) throw templateProblemsError(problems);
  return definition;
}

export function templateProblemsError(problems: TemplateProblem[]): AppError {
  const n = problems.length;
  const text = problems.map((x) => `${x.field} ${x.message}`).join('; ');
  return new AppError('validation_failed', `Template is invalid (${n} problem${n === 1 ? '' : 's'}): ${text}`, problems);
}

function validateComponents(p: Problems, raw: unknown, pf: 'positional' | 'named', category: string): TemplateComponentDef[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    p.add('components', 'must be a non-empty array with one BODY component');
    return [];
  }
  const out: TemplateComponentDef[] = [];
  const seen = new Map<string, number>();
  raw.forEach((c, i) => {
    const f = `components[${i}]`;
    if (!isObj(c) || typeof c.type !== 'string') {
      p.add(f, 'must be an object with a type (HEADER, BODY, FOOTER, BUTTONS or CAROUSEL)');
      return;
    }
    const type = c.type.toUpperCase();
    if (!['HEADER', 'BODY', 'FOOTER', 'BUTTONS', 'CAROUSEL'].includes(type)) {
      p.add(`${f}.type`, `must be HEADER, BODY, FOOTER, BUTTONS or CAROUSEL, got "${c.type}"`);
      return;
    }
    if (seen.has(type)) p.add(`${f}.type`, `a template can have only one ${type} component`);
    seen.set(type, i);
    const comp: TemplateComponentDef = { ...c, type };
    if (type === 'HEADER') checkHeader(p, f, c, comp, pf, category);
    else if (type === 'BODY') checkBody(p, f, c, pf, LIMITS.bodyText);
    else if (type === 'FOOTER') checkFooter(p, f, c, category);
    else if (type === 'BUTTONS') comp.buttons = checkButtons(p, f, c.buttons, category);
    else comp.cards = checkCarousel(p, f, c.cards, pf, category);
    out.push(comp);
  });
  if (!seen.has('BODY')) p.add('components', 'must include a BODY component');
  return out;
}

function checkHeader(p: Problems, f: string, c: J, comp: TemplateComponentDef, pf: 'positional' | 'named', category: string): void {
  const format = typeof c.format === 'string' ? c.format.toUpperCase() : '';
  if (!HEADER_FORMATS.includes(format)) {
    p.add(`${f}.format`, `must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION, got ${c.format === undefined ? 'nothing' : `"${String(c.format)}"`}`);
    return;
  }
  comp.format = format;
  if (format === 'TEXT') {
    if (typeof c.text !== 'string' || c.text.length === 0) {
      p.add(`${f}.text`, 'is required for a TEXT header');
      return;
    }
    if (c.text.length > LIMITS.headerText) p.add(`${f}.text`, `must be at most ${LIMITS.headerText} characters, got ${c.text.length}`);
    const vars = checkVariableNames(p, `${f}.text`, c.text, pf);
    if (vars.length > 1) p.add(`${f}.text`, `a header can have at most 1 variable, got ${vars.length}`);
    if (vars.length > 0) checkExamples(p, f, c, vars, pf, 'header');
  } else if (format === 'LOCATION') {
    if (category === 'AUTHENTICATION') p.add(`${f}.format`, 'LOCATION headers are only for MARKETING and UTILITY templates');
  } else {
    const ex = isObj(c.example) ? c.example.header_handle : undefined;
    if (!Array.isArray(ex) || ex.length === 0 || ex.some((h) => typeof h !== 'string' || h.length === 0)) {
      p.add(`${f}.example.header_handle`, `is required for a ${format} header: the handle of a sample file (upload it first: POST /api/v1/templates/media)`);
    }
  }
}

function checkBody(p: Problems, f: string, c: J, pf: 'positional' | 'named', max: number): void {
  if (typeof c.text !== 'string' || c.text.trim().length === 0) {
    p.add(`${f}.text`, 'is required');
    return;
  }
  const text = c.text;
  if (text.length > max) p.add(`${f}.text`, `must be at most ${max} characters, got ${text.length}`);
  const vars = checkVariableNames(p, `${f}.text`, text, pf);
  if (vars.length === 0) return;
  const trimmed = text.trim();
  if (/^\{\{[^}]*\}\}/.test(trimmed) || /\{\{[^}]*\}\}[.!?]?$/.test(trimmed)) {
    p.add(`${f}.text`, 'cannot start or end with a variable (Meta error 2388299)');
  }
  if (/\}\}\s*\{\{/.test(text)) p.add(`${f}.text`, 'has two variables next to each other with no text between them; Meta rejects this (INVALID_FORMAT)');
  const words = trimmed.replace(VARIABLE_RE, ' ').split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
  const occurrences = variableOccurrences(text).length;
  if (words < occurrences) p.add(`${f}.text`, `has ${occurrences} variables but only ${words} word${words === 1 ? '' : 's'}; Meta refuses templates with more variables than words (2388293)`);
  checkExamples(p, f, c, vars, pf, 'body');
}

function checkFooter(p: Problems, f: string, c: J, category: string): void {
  if (category === 'AUTHENTICATION' && c.code_expiration_minutes !== undefined) {
    const m = c.code_expiration_minutes;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > 90) p.add(`${f}.code_expiration_minutes`, 'must be a whole number from 1 to 90');
    if (c.text === undefined) return;
  }
  if (typeof c.text !== 'string' || c.text.length === 0) {
    p.add(`${f}.text`, 'is required');
    return;
  }
  if (c.text.length > LIMITS.footerText) p.add(`${f}.text`, `must be at most ${LIMITS.footerText} characters, got ${c.text.length}`);
  if (variablesOf(c.text).length > 0) p.add(`${f}.text`, 'cannot contain variables');
}

/** Positional: numbers only, sequential from {{1}}; named: lowercase letters and underscores. Returns the distinct variables. */
function checkVariableNames(p: Problems, field: string, text: string, pf: 'positional' | 'named'): string[] {
  const vars = variablesOf(text);
  // Malformed braces ("{{ first name }}", "{{1}" …) are a common mistake worth naming.
  const stray = text.replace(VARIABLE_RE, '').match(/\{\{[^}]*\}?\}?/);
  if (stray) p.add(field, `has a malformed variable "${stray[0]}"; write {{1}} (positional) or {{name}} (named)`);
  if (pf === 'positional') {
    const bad = vars.filter((v) => !/^\d+$/.test(v));
    if (bad.length) p.add(field, `uses named variables (${bad.map((v) => `{{${v}}}`).join(', ')}) but parameter_format is positional`);
    const nums = vars.filter((v) => /^\d+$/.test(v)).map(Number).sort((a, b) => a - b);
    if (nums.some((n, i) => n !== i + 1)) p.add(field, `variables must be numbered in sequence from {{1}} with no gaps, got ${nums.map((n) => `{{${n}}}`).join(', ')}`);
  } else {
    const bad = vars.filter((v) => !/^[a-z_]{1,20}$/.test(v));
    if (bad.length) p.add(field, `named variables must be 1-20 lowercase letters or underscores, got ${bad.map((v) => `{{${v}}}`).join(', ')}`);
  }
  return vars;
}

/** Every variable needs an example: Meta reviews the template with them. */
function checkExamples(p: Problems, f: string, c: J, vars: string[], pf: 'positional' | 'named', where: 'header' | 'body'): void {
  const ex = isObj(c.example) ? c.example : {};
  if (pf === 'positional') {
    const key = where === 'body' ? 'body_text' : 'header_text';
    const raw = ex[key];
    // body_text is an array holding one array of values; header_text a flat array.
    const values = where === 'body' ? (Array.isArray(raw) && Array.isArray(raw[0]) ? (raw[0] as unknown[]) : undefined) : Array.isArray(raw) ? raw : undefined;
    const shape = where === 'body' ? '[["value 1", "value 2"]]' : '["value"]';
    if (!values) {
      p.add(`${f}.example.${key}`, `is required: one example value per variable, as ${shape}`);
      return;
    }
    if (values.length !== vars.length) p.add(`${f}.example.${key}`, `must have ${vars.length} example value${vars.length === 1 ? '' : 's'} (one per variable), got ${values.length}`);
    values.forEach((v, i) => {
      if (typeof v !== 'string' || v.trim().length === 0) p.add(`${f}.example.${key}${where === 'body' ? '[0]' : ''}[${i}]`, 'must be a non-empty string');
    });
  } else {
    const key = where === 'body' ? 'body_text_named_params' : 'header_text_named_params';
    const raw = ex[key];
    if (!Array.isArray(raw)) {
      p.add(`${f}.example.${key}`, 'is required: [{"param_name": "...", "example": "..."}] for each variable');
      return;
    }
    const given = new Map<string, unknown>();
    for (const e of raw) if (isObj(e) && typeof e.param_name === 'string') given.set(e.param_name, e.example);
    for (const v of vars) {
      const e = given.get(v);
      if (typeof e !== 'string' || e.trim().length === 0) p.add(`${f}.example.${key}`, `needs a non-empty example for {{${v}}}`);
    }
    for (const k of given.keys()) if (!vars.includes(k)) p.add(`${f}.example.${key}`, `names "${k}", which is not a variable of the ${where}`);
  }
}

function checkButtons(p: Problems, f: string, raw: unknown, category: string): TemplateButtonDef[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    p.add(`${f}.buttons`, 'must be a non-empty array');
    return [];
  }
  if (raw.length > LIMITS.buttons) p.add(`${f}.buttons`, `a template can have at most ${LIMITS.buttons} buttons, got ${raw.length}`);
  const counts: Record<string, number> = {};
  const isQuickReply: boolean[] = [];
  const out: TemplateButtonDef[] = [];
  raw.forEach((b, i) => {
    const bf = `${f}.buttons[${i}]`;
    if (!isObj(b) || typeof b.type !== 'string') {
      p.add(bf, `must be an object with a type (${BUTTON_TYPES.join(', ')})`);
      return;
    }
    const type = b.type.toUpperCase();
    if (!BUTTON_TYPES.includes(type)) {
      p.add(`${bf}.type`, `must be one of ${BUTTON_TYPES.join(', ')}, got "${b.type}"`);
      return;
    }
    counts[type] = (counts[type] ?? 0) + 1;
    isQuickReply.push(type === 'QUICK_REPLY');
    out.push({ ...b, type });
    if (type === 'OTP' && category !== 'AUTHENTICATION') p.add(`${bf}.type`, 'OTP buttons are only for AUTHENTICATION templates');
    if (!UNLABELLED_BUTTONS.has(type) && (typeof b.text !== 'string' || b.text.trim().length === 0)) p.add(`${bf}.text`, `is required for a ${type} button`);
    if (typeof b.text === 'string' && b.text.length > LIMITS.buttonText) p.add(`${bf}.text`, `must be at most ${LIMITS.buttonText} characters, got ${b.text.length}`);
    if (type === 'URL') {
      if (typeof b.url !== 'string' || b.url.length === 0) p.add(`${bf}.url`, 'is required for a URL button');
      else {
        if (b.url.length > LIMITS.url) p.add(`${bf}.url`, `must be at most ${LIMITS.url} characters, got ${b.url.length}`);
        if (!/^https?:\/\/[^\s/]+/i.test(b.url)) p.add(`${bf}.url`, 'must be an http or https address');
        const vars = variableOccurrences(b.url);
        if (vars.length > 1 || (vars.length === 1 && !/\{\{\s*1\s*\}\}$/.test(b.url))) p.add(`${bf}.url`, 'can have one variable, {{1}}, only at the end');
        if (vars.length >= 1) {
          const ex = Array.isArray(b.example) ? b.example[0] : b.example;
          if (typeof ex !== 'string' || ex.length === 0) p.add(`${bf}.example`, 'is required for a URL with a variable: ["the full example URL or suffix"]');
        }
      }
    }
    if (type === 'PHONE_NUMBER') {
      if (typeof b.phone_number !== 'string' || b.phone_number.length === 0) p.add(`${bf}.phone_number`, 'is required for a PHONE_NUMBER button');
      else if (b.phone_number.length > LIMITS.phoneNumber) p.add(`${bf}.phone_number`, `must be at most ${LIMITS.phoneNumber} characters, got ${b.phone_number.length}`);
    }
    if (type === 'COPY_CODE') {
      const ex = Array.isArray(b.example) ? b.example[0] : b.example;
      if (typeof ex !== 'string' || ex.length === 0) p.add(`${bf}.example`, 'is required for a COPY_CODE button: a sample coupon code');
      else if (ex.length > LIMITS.copyCodeExample) p.add(`${bf}.example`, `must be at most ${LIMITS.copyCodeExample} characters, got ${ex.length}`);
    }
    if (type === 'OTP' && b.otp_type !== undefined && !['COPY_CODE', 'ONE_TAP', 'ZERO_TAP'].includes(String(b.otp_type).toUpperCase())) {
      p.add(`${bf}.otp_type`, 'must be COPY_CODE, ONE_TAP or ZERO_TAP');
    }
  });
  for (const [t, n] of Object.entries(counts)) {
    const max = BUTTON_MAX[t];
    if (max !== undefined && n > max) p.add(`${f}.buttons`, `a template can have at most ${max} ${t} button${max === 1 ? '' : 's'}, got ${n}`);
  }
  // Quick replies must be grouped: all quick replies together, before or after all the others.
  let changes = 0;
  for (let i = 1; i < isQuickReply.length; i++) if (isQuickReply[i] !== isQuickReply[i - 1]) changes++;
  if (changes > 1) p.add(`${f}.buttons`, 'quick reply buttons must be grouped together, before or after the other buttons (e.g. QUICK_REPLY, QUICK_REPLY, URL — not QUICK_REPLY, URL, QUICK_REPLY)');
  return out;
}

/** Carousel cards (limits §5.3, M): at most 10 cards, card body ≤ 160 characters; each card checked like a template. */
function checkCarousel(p: Problems, f: string, raw: unknown, pf: 'positional' | 'named', category: string): { components: TemplateComponentDef[] }[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    p.add(`${f}.cards`, 'must be a non-empty array of cards');
    return [];
  }
  if (raw.length > LIMITS.carouselCards) p.add(`${f}.cards`, `a carousel can have at most ${LIMITS.carouselCards} cards, got ${raw.length}`);
  return raw.map((card, i) => {
    const cf = `${f}.cards[${i}]`;
    if (!isObj(card) || !Array.isArray(card.components)) {
      p.add(cf, 'must be an object with components');
      return { components: [] };
    }
    const comps: TemplateComponentDef[] = [];
    card.components.forEach((c, j) => {
      const ccf = `${cf}.components[${j}]`;
      if (!isObj(c) || typeof c.type !== 'string') {
        p.add(ccf, 'must be an object with a type');
        return;
      }
      const type = c.type.toUpperCase();
      const comp: TemplateComponentDef = { ...c, type };
      if (type === 'HEADER') checkHeader(p, ccf, c, comp, pf, category);
      else if (type === 'BODY') checkBody(p, ccf, c, pf, LIMITS.carouselCardBody);
      else if (type === 'BUTTONS') comp.buttons = checkButtons(p, ccf, c.buttons, category);
      else p.add(`${ccf}.type`, `a card can have HEADER, BODY and BUTTONS components, got "${c.type}"`);
      comps.push(comp);
    });
    return { components: comps };
  });
}
