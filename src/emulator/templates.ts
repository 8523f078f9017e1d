/**
 * Message templates: creation validation (cloud-api-limits.md §5.2–5.3), the emulator's review
 * rules, edit rules (§5.4), and send-time parameter checks with Meta's 132xxx codes (§1.3).
 */
import { GraphError } from './errors.ts';
import { isObj, type Json } from './validate-send.ts';

export const LANGUAGES = new Set(
  (
    'af sq ar ar_EG ar_AE ar_LB ar_MA ar_QA az be_BY bn bn_IN bg ca zh_CN zh_HK zh_TW hr cs da prs_AF nl nl_BE en en_GB en_US en_AE ' +
    'en_AU en_CA en_GH en_IE en_IN en_JM en_MY en_NZ en_QA en_SG en_UG en_ZA et fil fi fr fr_BE fr_CA fr_CH fr_CI fr_MA ka de de_AT ' +
    'de_CH el gu ha he hi hu id ga it ja kn kk rw_RW ko ky_KG lo lv lt mk ms ml mr nb ps_AF fa pl pt_BR pt_PT pa ro ru sr si_LK sk sl ' +
    'es es_AR es_CL es_CO es_CR es_DO es_EC es_HN es_MX es_PA es_PE es_ES es_UY sw sv ta te th tr uk ur uz vi zu'
  ).split(' '),
);

export const CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;

export interface TemplateComponent {
  type: string;
  format?: string;
  text?: string;
  example?: unknown;
  buttons?: Array<Record<string, unknown>>;
  [k: string]: unknown;
}

export interface TemplateInput {
  name: string;
  category: string;
  language: string;
  parameterFormat: 'POSITIONAL' | 'NAMED';
  components: TemplateComponent[];
  ttl: number | null;
}

/** Template-management errors: code 100 with Meta's 2388xxx subcode (placement not confirmed; see README). */
export function templateError(subcode: number | undefined, userTitle: string, userMsg: string): GraphError {
  return new GraphError(100, userMsg, subcode === undefined ? { userTitle, userMsg } : { subcode, userTitle, userMsg });
}

const VAR_RE = /\{\{\s*([a-z0-9_]+)\s*\}\}/g;

export function variablesOf(text: string): string[] {
  return [...text.matchAll(VAR_RE)].map((m) => m[1]!);
}

function checkVariables(text: string, format: 'POSITIONAL' | 'NAMED', where: string): string[] {
  const vars = variablesOf(text);
  if (format === 'POSITIONAL') {
    const nums = [...new Set(vars)].map((v) => (/^\d+$/.test(v) ? Number(v) : NaN));
    if (nums.some((n) => Number.isNaN(n))) {
      throw templateError(2388072, 'Invalid parameter format', `${where} uses named parameters but parameter_format is POSITIONAL.`);
    }
    const sorted = [...nums].sort((a, b) => a - b);
    sorted.forEach((n, i) => {
      if (n !== i + 1) throw templateError(2388072, 'Invalid parameter format', `${where} parameters must be sequential, starting at {{1}}.`);
    });
  } else {
    for (const v of vars) {
      if (!/^[a-z_]+$/.test(v)) throw templateError(2388072, 'Invalid parameter format', `Named parameter {{${v}}} must use lowercase letters and underscores.`);
    }
  }
  return [...new Set(vars)];
}

/** Validates a create/edit body. Throws Meta-shaped errors (code 100 with subcodes). */
export function validateTemplateInput(body: Json, opts: { requireName: boolean; strict: boolean }): TemplateInput {
  const allowed = [
    'name', 'category', 'language', 'components', 'parameter_format', 'allow_category_change', 'message_send_ttl_seconds',
    'sub_category', 'cta_url_link_tracking_opted_out', 'library_template_name',
  ];
  if (opts.strict) {
    for (const k of Object.keys(body)) if (!allowed.includes(k)) throw new GraphError(100, `Param ${k} is not a valid parameter.`);
  }
  const name = body.name;
  if (opts.requireName) {
    if (typeof name !== 'string' || name.length === 0) throw new GraphError(100, 'The parameter name is required.');
    if (name.length > 512 || !/^[a-z0-9_]+$/.test(name)) {
      throw new GraphError(100, 'Template name can only contain lowercase alphanumeric characters and underscores, up to 512 characters.');
    }
  }
  const catRaw = body.category;
  if (typeof catRaw !== 'string') throw new GraphError(100, 'The parameter category is required.');
  const category = catRaw.toUpperCase();
  if (!(CATEGORIES as readonly string[]).includes(category)) throw new GraphError(100, `Category ${catRaw} is not valid. Use MARKETING, UTILITY or AUTHENTICATION.`);
  const language = body.language;
  if (opts.requireName) {
    if (typeof language !== 'string') throw new GraphError(100, 'The parameter language is required.');
    if (!LANGUAGES.has(language)) throw new GraphError(100, `Language ${language} is not supported.`);
  }
  const pf = body.parameter_format === undefined ? 'POSITIONAL' : String(body.parameter_format).toUpperCase();
  if (pf !== 'POSITIONAL' && pf !== 'NAMED') throw new GraphError(100, 'parameter_format must be "positional" or "named".');
  let ttl: number | null = null;
  if (body.message_send_ttl_seconds !== undefined) {
    if (typeof body.message_send_ttl_seconds !== 'number' || !Number.isInteger(body.message_send_ttl_seconds)) {
      throw new GraphError(100, 'message_send_ttl_seconds must be an integer.');
    }
    ttl = body.message_send_ttl_seconds;
  }
  const components = validateComponents(body.components, pf, category);
  return { name: typeof name === 'string' ? name : '', category, language: typeof language === 'string' ? language : '', parameterFormat: pf, components, ttl };
}

export function validateComponents(raw: unknown, pf: 'POSITIONAL' | 'NAMED', category: string): TemplateComponent[] {
  if (!Array.isArray(raw)) throw new GraphError(100, 'The parameter components is required and must be an array.');
  const out: TemplateComponent[] = [];
  const seen = new Set<string>();
  for (const c of raw) {
    if (!isObj(c) || typeof c.type !== 'string') throw new GraphError(100, 'Each component needs a type.');
    const type = c.type.toUpperCase();
    if (!['HEADER', 'BODY', 'FOOTER', 'BUTTONS'].includes(type)) throw new GraphError(100, `Component type ${c.type} is not valid.`);
    if (seen.has(type)) throw new GraphError(100, `A template can have only one ${type} component.`);
    seen.add(type);
    const comp: TemplateComponent = { ...c, type };
    if (type === 'HEADER') {
      const format = String(c.format ?? '').toUpperCase();
      if (!['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'].includes(format)) throw templateError(2388047, 'Invalid header format', 'Header format must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.');
      comp.format = format;
      if (format === 'TEXT') {
        if (typeof c.text !== 'string' || c.text.length === 0) throw templateError(2388047, 'Invalid header format', 'A TEXT header needs text.');
        if (c.text.length > 60) throw templateError(2388040, 'Character limit exceeded', 'Header text can have up to 60 characters.');
        const vars = checkVariables(c.text, pf, 'Header');
        if (vars.length > 1) throw templateError(2388047, 'Invalid header format', 'A header can have at most one parameter.');
        if (vars.length === 1) requireExample(c, pf === 'NAMED' ? 'header_text_named_params' : 'header_text', 'header');
      } else if (format === 'LOCATION') {
        if (category === 'AUTHENTICATION') throw templateError(2388047, 'Invalid header format', 'Location headers are only for UTILITY and MARKETING templates.');
      } else {
        requireExample(c, 'header_handle', 'header');
      }
    } else if (type === 'BODY') {
      if (typeof c.text !== 'string' || c.text.length === 0) throw templateError(2388072, 'Invalid body format', 'The BODY component needs text.');
      if (c.text.length > 1024) throw templateError(2388040, 'Character limit exceeded', 'Body text can have up to 1024 characters.');
      const vars = checkVariables(c.text, pf, 'Body');
      if (vars.length > 0) {
        const trimmed = c.text.trim();
        if (/^\{\{[^}]+\}\}/.test(trimmed) || /\{\{[^}]+\}\}[.!?]?$/.test(trimmed)) {
          throw templateError(2388299, 'Leading or trailing parameters not allowed', 'Variables can\'t be at the start or end of the template.');
        }
        const words = trimmed.replace(VAR_RE, ' ').split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
        if (words < vars.length) {
          throw templateError(2388293, 'Parameters words ratio exceeds limit', 'This template contains too many variable parameters relative to the message length.');
        }
        requireExample(c, pf === 'NAMED' ? 'body_text_named_params' : 'body_text', 'body');
      }
    } else if (type === 'FOOTER') {
      if (typeof c.text !== 'string' || c.text.length === 0) throw templateError(2388073, 'Invalid footer format', 'The FOOTER component needs text.');
      if (c.text.length > 60) throw templateError(2388040, 'Character limit exceeded', 'Footer text can have up to 60 characters.');
      if (variablesOf(c.text).length > 0) throw templateError(2388073, 'Invalid footer format', 'The footer can\'t contain variables.');
    } else {
      comp.buttons = validateButtons(c.buttons, category);
    }
    out.push(comp);
  }
  if (!seen.has('BODY')) throw new GraphError(100, 'A template needs exactly one BODY component.');
  return out;
}

function requireExample(c: Json, key: string, where: string): void {
  const ex = c.example;
  if (!isObj(ex) || ex[key] === undefined) {
    throw new GraphError(100, `The ${where} has variables but no example values (example.${key}).`);
  }
}

function validateButtons(raw: unknown, category: string): Array<Record<string, unknown>> {
  if (!Array.isArray(raw) || raw.length === 0) throw new GraphError(100, 'The BUTTONS component needs a buttons array.');
  if (raw.length > 10) throw new GraphError(100, 'A template can have up to 10 buttons.');
  const counts: Record<string, number> = {};
  const kinds: boolean[] = [];
  const out: Array<Record<string, unknown>> = [];
  for (const b of raw) {
    if (!isObj(b) || typeof b.type !== 'string') throw new GraphError(100, 'Each button needs a type.');
    const type = b.type.toUpperCase();
    if (!['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'OTP', 'FLOW', 'VOICE_CALL', 'CATALOG', 'MPM', 'SPM'].includes(type)) {
      throw new GraphError(100, `Button type ${b.type} is not valid.`);
    }
    if (type === 'OTP' && category !== 'AUTHENTICATION') throw new GraphError(100, 'OTP buttons are only for AUTHENTICATION templates.');
    counts[type] = (counts[type] ?? 0) + 1;
    kinds.push(type === 'QUICK_REPLY');
    if (type !== 'COPY_CODE' && type !== 'OTP' && type !== 'CATALOG' && type !== 'MPM' && type !== 'SPM') {
      if (typeof b.text !== 'string' || b.text.length === 0) throw new GraphError(100, `A ${type} button needs text.`);
    }
    if (typeof b.text === 'string' && b.text.length > 25) throw templateError(2388040, 'Character limit exceeded', 'Button text can have up to 25 characters.');
    if (type === 'URL') {
      if (typeof b.url !== 'string' || b.url.length === 0 || b.url.length > 2000) throw new GraphError(100, 'A URL button needs a url of up to 2000 characters.');
      const vars = variablesOf(b.url);
      if (vars.length > 1 || (vars.length === 1 && !/\{\{\s*1\s*\}\}$/.test(b.url))) throw new GraphError(100, 'A URL button can have one variable, {{1}}, at the end of the url.');
      if (vars.length === 1 && b.example === undefined) throw new GraphError(100, 'A URL button with a variable needs an example.');
    }
    if (type === 'PHONE_NUMBER' && (typeof b.phone_number !== 'string' || b.phone_number.length > 20)) {
      throw new GraphError(100, 'A PHONE_NUMBER button needs a phone_number of up to 20 characters.');
    }
    if (type === 'COPY_CODE') {
      const ex = Array.isArray(b.example) ? b.example[0] : b.example;
      if (typeof ex !== 'string' || ex.length > 20) throw new GraphError(100, 'A COPY_CODE button needs an example of up to 20 characters.');
    }
    out.push({ ...b, type });
  }
  const max: Record<string, number> = { QUICK_REPLY: 10, URL: 2, PHONE_NUMBER: 1, COPY_CODE: 1, FLOW: 1, VOICE_CALL: 1, OTP: 1 };
  for (const [t, n] of Object.entries(counts)) {
    if (max[t] !== undefined && n > max[t]!) throw new GraphError(100, `A template can have at most ${max[t]} ${t} button(s).`);
  }
  // Quick replies must be grouped: all quick replies contiguous and all others contiguous.
  let changes = 0;
  for (let i = 1; i < kinds.length; i++) if (kinds[i] !== kinds[i - 1]) changes++;
  if (changes > 1) {
    throw new GraphError(100, 'Invalid combination of buttons: quick reply buttons must be grouped together, before or after the other buttons.');
  }
  return out;
}

export interface ReviewOutcome {
  status: 'APPROVED' | 'REJECTED';
  reason: string;
  rejectionInfo?: { reason: string; recommendation: string };
}

const PROMOTIONAL = /\b(sale|discount|offer|coupon|deal|buy now|limited time|\d+\s?% off)\b/i;

/**
 * The emulator's review rules (documented in README.md):
 * 1. parameters placed next to each other ({{1}}{{2}}) → REJECTED, INVALID_FORMAT, with Meta's rejection_info;
 * 2. a UTILITY or AUTHENTICATION template with promotional wording → REJECTED, INCORRECT_CATEGORY;
 * 3. otherwise APPROVED.
 */
export function reviewTemplate(category: string, components: TemplateComponent[]): ReviewOutcome {
  const texts = components.flatMap((c) => [c.text, ...(c.buttons ?? []).map((b) => b.text)]).filter((t): t is string => typeof t === 'string');
  for (const t of texts) {
    if (/\}\}\s*\{\{/.test(t)) {
      return {
        status: 'REJECTED',
        reason: 'INVALID_FORMAT',
        rejectionInfo: {
          reason: 'Your template has parameters placed next to each other (like {{1}}{{2}}) without text or punctuation between them.',
          recommendation: 'Separate parameters with descriptive text and ensure each parameter is clearly contextualized.',
        },
      };
    }
  }
  if (category !== 'MARKETING' && texts.some((t) => PROMOTIONAL.test(t))) return { status: 'REJECTED', reason: 'INCORRECT_CATEGORY' };
  return { status: 'APPROVED', reason: 'NONE' };
}

// ---------------------------------------------------------------- send-time checks

export interface TemplateParamErrors {
  count: number;
  format: number;
  policy: number;
}

/** Since v23.0, component-parameter problems answer 132018; older versions 132000/132012 (see README). */
export function paramErrorCodes(apiVersion: number, mode: 'by-version' | 'legacy' | 'v23'): TemplateParamErrors {
  const modern = mode === 'v23' || (mode === 'by-version' && apiVersion >= 23);
  return modern ? { count: 132018, format: 132018, policy: 132018 } : { count: 132000, format: 132012, policy: 132007 };
}

export interface HydratedTemplate {
  header: string | null;
  headerMedia: { type: string; object: Json } | null;
  body: string;
  footer: string | null;
  buttons: Array<{ type: string; text: string; payload?: string; url?: string }>;
}

const HEADER_PARAM_TYPES: Record<string, string> = { IMAGE: 'image', VIDEO: 'video', DOCUMENT: 'document', LOCATION: 'location' };

function paramText(p: Json): string | null {
  if (p.type === 'text' && typeof p.text === 'string') return p.text;
  if (p.type === 'currency' && isObj(p.currency)) {
    const cur = p.currency;
    if (typeof cur.fallback_value !== 'string' || typeof cur.code !== 'string' || typeof cur.amount_1000 !== 'number') return null;
    return cur.fallback_value;
  }
  if (p.type === 'date_time' && isObj(p.date_time)) {
    return typeof p.date_time.fallback_value === 'string' ? p.date_time.fallback_value : null;
  }
  return null;
}

function substitute(text: string, values: Map<string, string>): string {
  return text.replace(VAR_RE, (_m, v: string) => values.get(v) ?? `{{${v}}}`);
}

/**
 * Checks a send's components against the stored template and returns the hydrated text.
 * Throws GraphError 132000/132012/132005/132007 (or 132018 on v23+).
 */
export function checkTemplateSend(
  stored: { components: TemplateComponent[]; parameterFormat: string },
  send: Json,
  codes: TemplateParamErrors,
): HydratedTemplate {
  const sent = (Array.isArray(send.components) ? send.components : []) as Json[];
  const byType = (t: string) => sent.filter((c) => String(c.type).toLowerCase() === t);
  const named = stored.parameterFormat === 'NAMED';
  const out: HydratedTemplate = { header: null, headerMedia: null, body: '', footer: null, buttons: [] };

  const textParams = (params: Json[], expected: string[], where: string): Map<string, string> => {
    if (params.length !== expected.length) {
      throw new GraphError(codes.count, `${where}: number of parameters (${params.length}) does not match the expected number of params (${expected.length}).`);
    }
    const values = new Map<string, string>();
    params.forEach((p, i) => {
      const t = paramText(p);
      if (t === null) throw new GraphError(codes.format, `${where}: parameter ${i + 1} must be text, currency or date_time with a value.`);
      if (named !== (p.parameter_name !== undefined)) {
        throw new GraphError(codes.format, `${where}: this template uses ${named ? 'named' : 'positional'} parameters.`);
      }
      if (/[\n\t]/.test(t) || / {5,}/.test(t)) {
        throw new GraphError(codes.policy, `${where}: parameter text cannot have new-line/tab characters or more than 4 consecutive spaces.`);
      }
      if (t.length === 0) throw new GraphError(codes.format, `${where}: parameter ${i + 1} is empty.`);
      const key = named ? String(p.parameter_name) : String(i + 1);
      if (named && !expected.includes(key)) throw new GraphError(codes.format, `${where}: unknown parameter_name ${key}.`);
      values.set(key, t);
    });
    return values;
  };

  for (const c of sent) {
    const t = String(c.type).toLowerCase();
    if (!['header', 'body', 'button'].includes(t) && t !== 'footer') {
      throw new GraphError(codes.format, `Component type ${t} is not part of this template.`);
    }
  }

  // Header
  const headerDef = stored.components.find((c) => c.type === 'HEADER');
  const headerSent = byType('header');
  if (headerSent.length > 1) throw new GraphError(codes.count, 'Only one header component can be sent.');
  const headerParams = ((headerSent[0]?.parameters as Json[] | undefined) ?? []).filter(isObj);
  if (!headerDef) {
    if (headerParams.length) throw new GraphError(codes.count, 'Header: number of parameters does not match the expected number of params (0).');
  } else if (headerDef.format === 'TEXT') {
    const vars = variablesOf(headerDef.text ?? '');
    const values = textParams(headerParams, vars, 'Header');
    out.header = substitute(headerDef.text ?? '', values);
    if (out.header.length > 60) throw new GraphError(132005, 'Header text after substitution is longer than 60 characters.');
  } else {
    const want = HEADER_PARAM_TYPES[headerDef.format ?? ''] ?? 'image';
    if (headerParams.length !== 1) throw new GraphError(codes.count, `Header: expected 1 ${want} parameter, got ${headerParams.length}.`);
    const p = headerParams[0]!;
    if (p.type !== want || !isObj(p[want])) throw new GraphError(codes.format, `Header: expected a ${want} parameter, got ${String(p.type)}.`);
    out.headerMedia = { type: want, object: p[want] as Json };
  }

  // Body
  const bodyDef = stored.components.find((c) => c.type === 'BODY');
  const bodySent = byType('body');
  if (bodySent.length > 1) throw new GraphError(codes.count, 'Only one body component can be sent.');
  const bodyVars = [...new Set(variablesOf(bodyDef?.text ?? ''))];
  const bodyParams = ((bodySent[0]?.parameters as Json[] | undefined) ?? []).filter(isObj);
  const bodyValues = textParams(bodyParams, bodyVars, 'Body');
  out.body = substitute(bodyDef?.text ?? '', bodyValues);
  if (out.body.length > 1024) throw new GraphError(132005, 'Body text after substitution is longer than 1024 characters.');
  out.footer = stored.components.find((c) => c.type === 'FOOTER')?.text ?? null;

  // Buttons
  const buttonsDef = stored.components.find((c) => c.type === 'BUTTONS')?.buttons ?? [];
  const buttonSent = new Map<number, Json>();
  for (const b of byType('button')) {
    const idx = Number(b.index);
    if (!Number.isInteger(idx) || idx < 0 || idx >= buttonsDef.length) throw new GraphError(131009, `Button index ${String(b.index)} is not valid for this template.`);
    const def = buttonsDef[idx]!;
    const sub = String(b.sub_type ?? '').toLowerCase();
    const defType = String(def.type).toLowerCase();
    const compatible = sub === defType || (defType === 'otp' && sub === 'url');
    if (!compatible) throw new GraphError(codes.format, `Button ${idx}: sub_type ${sub} does not match the template's ${defType} button.`);
    if (buttonSent.has(idx)) throw new GraphError(codes.count, `Button ${idx} was sent twice.`);
    buttonSent.set(idx, b);
  }
  buttonsDef.forEach((def, idx) => {
    const type = String(def.type);
    const sent = buttonSent.get(idx);
    const params = ((sent?.parameters as Json[] | undefined) ?? []).filter(isObj);
    const text = typeof def.text === 'string' ? def.text : type === 'COPY_CODE' ? 'Copy code' : type;
    if (type === 'URL' || type === 'OTP') {
      const needs = type === 'OTP' || variablesOf(String(def.url ?? '')).length === 1;
      if (needs && params.length !== 1) throw new GraphError(codes.count, `Button ${idx}: expected 1 text parameter, got ${params.length}.`);
      if (!needs && params.length) throw new GraphError(codes.count, `Button ${idx}: this button takes no parameters.`);
      let url = String(def.url ?? '');
      if (needs) {
        const p = params[0]!;
        if (p.type !== 'text' || typeof p.text !== 'string') throw new GraphError(codes.format, `Button ${idx}: expected a text parameter.`);
        url = url.replace(VAR_RE, p.text);
      }
      out.buttons.push({ type, text, url });
    } else if (type === 'COPY_CODE') {
      if (params.length !== 1) throw new GraphError(codes.count, `Button ${idx}: expected 1 coupon_code parameter, got ${params.length}.`);
      const p = params[0]!;
      if (p.type !== 'coupon_code' || typeof p.coupon_code !== 'string') throw new GraphError(codes.format, `Button ${idx}: expected a coupon_code parameter.`);
      if (p.coupon_code.length > 15) throw new GraphError(131009, 'coupon_code length invalid. Min length: 1, Max length: 15');
      out.buttons.push({ type, text });
    } else if (type === 'QUICK_REPLY') {
      if (params.length > 1) throw new GraphError(codes.count, `Button ${idx}: expected at most 1 payload parameter.`);
      const p = params[0];
      if (p && (p.type !== 'payload' || typeof p.payload !== 'string')) throw new GraphError(codes.format, `Button ${idx}: expected a payload parameter.`);
      out.buttons.push({ type, text, payload: p ? String(p.payload) : text });
    } else {
      out.buttons.push({ type, text });
    }
  });
  return out;
}

/** Renders a hydrated template as the phone shows it. */
export function renderTemplate(h: HydratedTemplate): string {
  return [h.header, h.headerMedia ? `[${h.headerMedia.type}]` : null, h.body, h.footer, ...h.buttons.map((b) => `[${b.text}]`)]
    .filter((x): x is string => typeof x === 'string' && x.length > 0)
    .join('\n');
}

export const HELLO_WORLD: { name: string; language: string; category: string; components: TemplateComponent[] } = {
  name: 'hello_world',
  language: 'en_US',
  category: 'UTILITY',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Hello World' },
    {
      type: 'BODY',
      text: 'Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us.',
    },
    { type: 'FOOTER', text: 'WhatsApp Business Platform sample message' },
  ],
};
