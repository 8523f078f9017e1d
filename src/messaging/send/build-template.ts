import type { Template, TemplateButtonDef, TemplateComponentDef } from '../../templates/index.ts';
import { substituteVariables, variablesOf } from '../../templates/variables.ts';
import { invalid, refuse } from './invalid.ts';
import { checkMediaUrl, type MediaUrlOptions } from './media-url.ts';

/** The values a caller gives for a template's variables (Interakt's `template` object, minus name/language). */
export interface TemplateValues {
  headerValues?: string[] | undefined;
  bodyValues?: string[] | undefined;
  /** Button index ("0".."9") → values; a dynamic URL, OTP or copy-code button takes one. */
  buttonValues?: Record<string, string[]> | undefined;
  /** File name of a document header. */
  fileName?: string | undefined;
  carouselCards?: { headerValues?: string[]; bodyValues?: string[]; buttonValues?: Record<string, string[]> }[] | undefined;
  order_details?: OrderDetailsInput[] | undefined;
  order_status?: { reference_id: string; order: { status: string; description?: string } } | undefined;
}

export interface OrderDetailsInput {
  reference_id: string;
  order_items: { name: string; quantity: number; amount: number; retailer_id?: string; country_of_origin?: string; importer_name?: string; importer_address?: unknown }[];
  subtotal: number;
  total_amount: number;
  currency?: string;
  discount?: number;
  tax?: number;
  shipping?: number;
  type?: string;
  shipping_addresses?: unknown[];
  payment_option_expires_in?: { value: number; unit: string; expiration_message?: string };
  [key: string]: unknown;
}

type Component = Record<string, unknown>;

// One definition of a variable for the send path, the preview and campaigns (contract 3).
export { variablesOf };

const missing = (where: string, n: number): never => refuse(`Missing variable values for template's ${where}, expected number of values are ${n}`);

/** Meta error 132018's rule, checked here so the caller gets a 400 naming the value instead of a failed status later. */
function paramText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') invalid(field, 'must be a string');
  if (value.length === 0) invalid(field, 'must not be empty');
  if (/[\n\t]/.test(value) || / {5,}/.test(value)) invalid(field, 'cannot contain new-line or tab characters or more than 4 consecutive spaces (Cloud API rule for template parameters)');
  if (value.length > max) invalid(field, `must be at most ${max} characters (Cloud API limit), got ${value.length}`);
  return value;
}

const substitute = substituteVariables;

function textParams(template: Template, vars: string[], values: string[], field: string, max: number): Record<string, unknown>[] {
  return vars.map((name, i) => {
    const text = paramText(values[i], `${field}[${i}]`, max);
    return template.parameterFormat === 'named' ? { type: 'text', parameter_name: name, text } : { type: 'text', text };
  });
}

interface BuildContext {
  template: Template;
  media: MediaUrlOptions;
}

function buildHeader(ctx: BuildContext, def: TemplateComponentDef | undefined, values: string[] | undefined, field: string, fileName: string | undefined, where = 'header'): Component | null {
  const given = values ?? [];
  if (!def) {
    if (given.length > 0) missing(where, 0);
    return null;
  }
  const format = String(def.format ?? 'TEXT').toUpperCase();
  if (format === 'TEXT') {
    const vars = variablesOf(def.text);
    if (given.length !== vars.length) missing(where, vars.length);
    if (vars.length === 0) return null;
    const params = textParams(ctx.template, vars, given, field, 60);
    const hydrated = substitute(def.text ?? '', new Map(vars.map((v, i) => [v, given[i]!])));
    if (hydrated.length > 60) invalid(field, `makes the header ${hydrated.length} characters long; the Cloud API allows 60`);
    return { type: 'header', parameters: params };
  }
  if (format === 'IMAGE' || format === 'VIDEO' || format === 'DOCUMENT') {
    if (given.length !== 1) missing(where, 1);
    const kind = format.toLowerCase() as 'image' | 'video' | 'document';
    const link = checkMediaUrl(given[0], `${field}[0]`, kind, ctx.media);
    const media: Record<string, unknown> = { link };
    if (kind === 'document' && fileName) media.filename = fileName;
    return { type: 'header', parameters: [{ type: kind, [kind]: media }] };
  }
  if (format === 'LOCATION') {
    // Interakt has no shape for this; Samvad takes [latitude, longitude, name, address].
    if (given.length !== 4) missing(`${where} (location: latitude, longitude, name, address)`, 4);
    const [lat, lng, name, address] = given.map(String) as [string, string, string, string];
    if (!Number.isFinite(Number(lat)) || Math.abs(Number(lat)) > 90) invalid(`${field}[0]`, 'must be a latitude from -90 to 90');
    if (!Number.isFinite(Number(lng)) || Math.abs(Number(lng)) > 180) invalid(`${field}[1]`, 'must be a longitude from -180 to 180');
    return { type: 'header', parameters: [{ type: 'location', location: { latitude: lat, longitude: lng, name, address } }] };
  }
  return null;
}

function buildBody(ctx: BuildContext, def: TemplateComponentDef | undefined, values: string[] | undefined, field: string, where = 'body', maxHydrated = 1024): Component | null {
  const given = values ?? [];
  const vars = variablesOf(def?.text);
  if (given.length !== vars.length) missing(where, vars.length);
  if (vars.length === 0) return null;
  const auth = ctx.template.category === 'AUTHENTICATION';
  const params = textParams(ctx.template, vars, given, field, auth ? 15 : 1024);
  const hydrated = substitute(def?.text ?? '', new Map(vars.map((v, i) => [v, given[i]!])));
  if (hydrated.length > maxHydrated) invalid(field, `make the ${where} ${hydrated.length} characters long; the Cloud API allows ${maxHydrated}`);
  return { type: 'body', parameters: params };
}

function buildButtons(ctx: BuildContext, defs: TemplateButtonDef[], values: Record<string, string[]> | undefined, field: string, where = "template's"): Component[] {
  const given = values ?? {};
  for (const key of Object.keys(given)) {
    const idx = Number(key);
    if (!/^\d+$/.test(key) || idx >= defs.length) invalid(`${field}.${key}`, `does not name a button: the template has ${defs.length} button${defs.length === 1 ? '' : 's'} (indexes from 0)`);
    if (!Array.isArray(given[key])) invalid(`${field}.${key}`, 'must be an array of strings');
  }
  const out: Component[] = [];
  defs.forEach((def, idx) => {
    const vals = given[String(idx)] ?? [];
    const type = String(def.type).toUpperCase();
    const f = `${field}.${idx}`;
    const need = (n: number) => {
      if (vals.length !== n) refuse(`Missing variable values for ${where} button at index ${idx}, expected number of values are ${n}`);
    };
    switch (type) {
      case 'URL': {
        const dynamic = variablesOf(def.url).length > 0;
        need(dynamic ? 1 : 0);
        if (dynamic) out.push({ type: 'button', sub_type: 'url', index: String(idx), parameters: [{ type: 'text', text: paramText(vals[0], `${f}[0]`, 2000) }] });
        break;
      }
      case 'OTP': {
        need(1);
        out.push({ type: 'button', sub_type: 'url', index: String(idx), parameters: [{ type: 'text', text: paramText(vals[0], `${f}[0]`, 15) }] });
        break;
      }
      case 'COPY_CODE': {
        need(1);
        out.push({ type: 'button', sub_type: 'copy_code', index: String(idx), parameters: [{ type: 'coupon_code', coupon_code: paramText(vals[0], `${f}[0]`, 15) }] });
        break;
      }
      case 'QUICK_REPLY': {
        if (vals.length > 1) need(1);
        if (vals.length === 1) out.push({ type: 'button', sub_type: 'quick_reply', index: String(idx), parameters: [{ type: 'payload', payload: paramText(vals[0], `${f}[0]`, 1000) }] });
        break;
      }
      case 'FLOW': {
        if (vals.length > 1) need(1);
        if (vals.length === 1) out.push({ type: 'button', sub_type: 'flow', index: String(idx), parameters: [{ type: 'action', action: { flow_token: paramText(vals[0], `${f}[0]`, 200) } }] });
        break;
      }
      case 'CATALOG': {
        if (vals.length > 1) need(1);
        if (vals.length === 1) out.push({ type: 'button', sub_type: 'catalog', index: String(idx), parameters: [{ type: 'action', action: { thumbnail_product_retailer_id: paramText(vals[0], `${f}[0]`, 100) } }] });
        break;
      }
      case 'MPM':
        refuse(`Template "${ctx.template.name}" has a multi-product (MPM) button, which /v1/public cannot fill yet`);
        break;
      case 'ORDER_DETAILS':
        // Filled from template.order_details.
        break;
      default:
        need(0);
    }
  });
  return out;
}

function money(v: unknown, field: string): { value: number; offset: number } {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) invalid(field, 'must be a non-negative number (in currency units, e.g. rupees)');
  return { value: Math.round(v * 100), offset: 100 };
}

/**
 * Interakt's `order_details` (amounts in currency units, as real integrations send them) in Meta's
 * order_details action (`{value, offset: 100}`). Totals must add up, as Meta checks they do.
 */
function buildOrderDetails(ctx: BuildContext, list: OrderDetailsInput[], field: string): Component {
  if (!Array.isArray(list) || list.length !== 1) invalid(field, 'must hold exactly one order (order_details per carousel card is not supported yet)');
  const o = list[0]!;
  const f = `${field}[0]`;
  if (typeof o.reference_id !== 'string' || o.reference_id.length === 0 || o.reference_id.length > 35) invalid(`${f}.reference_id`, 'is required, at most 35 characters');
  if (!Array.isArray(o.order_items) || o.order_items.length === 0) invalid(`${f}.order_items`, 'must have at least one item');
  if (o.order_items.length > 999) invalid(`${f}.order_items`, 'must have at most 999 items');
  const currency = o.currency ?? 'INR';
  if (currency !== 'INR') invalid(`${f}.currency`, 'must be "INR" (WhatsApp Pay orders are in rupees)');
  let itemsTotal = 0;
  const items = o.order_items.map((it, n) => {
    const p = `${f}.order_items[${n}]`;
    if (typeof it.name !== 'string' || it.name.length === 0) invalid(`${p}.name`, 'is required');
    if (!Number.isInteger(it.quantity) || it.quantity < 1) invalid(`${p}.quantity`, 'must be a positive integer');
    const amount = money(it.amount, `${p}.amount`);
    itemsTotal += amount.value * it.quantity;
    return {
      retailer_id: it.retailer_id ?? `item-${n + 1}`,
      name: it.name,
      amount,
      quantity: it.quantity,
      ...(it.country_of_origin ? { country_of_origin: it.country_of_origin } : {}),
      ...(it.importer_name ? { importer_name: it.importer_name } : {}),
      ...(it.importer_address ? { importer_address: it.importer_address } : {}),
    };
  });
  const subtotal = money(o.subtotal, `${f}.subtotal`);
  if (subtotal.value !== itemsTotal) invalid(`${f}.subtotal`, `must equal the sum of the items' amount × quantity (${itemsTotal / 100})`);
  const tax = money(o.tax ?? 0, `${f}.tax`);
  const shipping = money(o.shipping ?? 0, `${f}.shipping`);
  const discount = money(o.discount ?? 0, `${f}.discount`);
  const total = money(o.total_amount, `${f}.total_amount`);
  const expected = subtotal.value + tax.value + shipping.value - discount.value;
  if (total.value !== expected) invalid(`${f}.total_amount`, `must equal subtotal + tax + shipping − discount (${expected / 100})`);
  const order: Record<string, unknown> = { status: 'pending', items, subtotal, tax, shipping, discount };
  const exp = o.payment_option_expires_in;
  if (exp) {
    const unitMs: Record<string, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };
    if (!unitMs[exp.unit] || !Number.isFinite(exp.value) || exp.value <= 0) invalid(`${f}.payment_option_expires_in`, 'must be { value: > 0, unit: "minutes" | "hours" | "days" }');
    order.expiration = { timestamp: String(Math.floor((Date.now() + exp.value * unitMs[exp.unit]!) / 1000)), description: exp.expiration_message || 'Payment link expired' };
  }
  const buttons = ctx.template.components.find((c) => c.type.toUpperCase() === 'BUTTONS')?.buttons ?? [];
  const index = Math.max(0, buttons.findIndex((b) => String(b.type).toUpperCase() === 'ORDER_DETAILS'));
  return {
    type: 'button',
    sub_type: 'order_details',
    index: String(index),
    parameters: [
      {
        type: 'action',
        action: {
          order_details: {
            reference_id: o.reference_id,
            type: o.type ?? (o.shipping_addresses ? 'physical-goods' : 'digital-goods'),
            payment_type: 'upi',
            currency,
            total_amount: total,
            order,
            ...(o.shipping_addresses ? { shipping_info: { addresses: o.shipping_addresses } } : {}),
          },
        },
      },
    ],
  };
}

const ORDER_STATUSES = ['pending', 'processing', 'partially_shipped', 'shipped', 'completed', 'canceled'];

/**
 * Fills a template's variables from the caller's values and returns Meta's `template` object.
 * Counts are checked against the stored definition with Interakt's messages
 * ("Missing variable values for template's body, expected number of values are N"); every
 * parameter against the Cloud API's limits; media header links like any media link.
 */
export function buildTemplateObject(template: Template, values: TemplateValues, media: MediaUrlOptions, field = 'template'): Record<string, unknown> {
  const ctx: BuildContext = { template, media };
  const find = (type: string, list = template.components) => list.find((c) => String(c.type).toUpperCase() === type);
  const components: Component[] = [];
  const header = buildHeader(ctx, find('HEADER'), values.headerValues, `${field}.headerValues`, values.fileName);
  if (header) components.push(header);
  const body = buildBody(ctx, find('BODY'), values.bodyValues, `${field}.bodyValues`);
  if (body) components.push(body);
  components.push(...buildButtons(ctx, find('BUTTONS')?.buttons ?? [], values.buttonValues, `${field}.buttonValues`));

  const carousel = find('CAROUSEL');
  if (carousel) {
    const cards = carousel.cards ?? [];
    const given = values.carouselCards ?? [];
    if (given.length !== cards.length) refuse(`Missing values for template's carousel cards, expected number of cards are ${cards.length}`);
    components.push({
      type: 'carousel',
      cards: cards.map((card, i) => {
        const v = given[i]!;
        const f = `${field}.carouselCards[${i}]`;
        const where = `carousel card ${i}`;
        const cc: Component[] = [];
        const h = buildHeader(ctx, find('HEADER', card.components), v.headerValues, `${f}.headerValues`, undefined, `${where} header`);
        if (h) cc.push(h);
        const b = buildBody(ctx, find('BODY', card.components), v.bodyValues, `${f}.bodyValues`, `${where} body`, 160);
        if (b) cc.push(b);
        cc.push(...buildButtons(ctx, find('BUTTONS', card.components)?.buttons ?? [], v.buttonValues, `${f}.buttonValues`, `${where}'s`));
        return { card_index: i, components: cc };
      }),
    });
  } else if (values.carouselCards && values.carouselCards.length > 0) {
    invalid(`${field}.carouselCards`, `must be empty: template "${template.name}" is not a carousel template`);
  }

  if (values.order_details !== undefined) components.push(buildOrderDetails(ctx, values.order_details, `${field}.order_details`));
  if (values.order_status !== undefined) {
    const s = values.order_status;
    const f = `${field}.order_status`;
    if (typeof s !== 'object' || s === null || typeof s.reference_id !== 'string' || s.reference_id === '') invalid(`${f}.reference_id`, 'is required');
    if (!s.order || !ORDER_STATUSES.includes(s.order.status)) invalid(`${f}.order.status`, `must be one of ${ORDER_STATUSES.join(', ')}`);
    components.push({
      type: 'order_status',
      parameters: [{ type: 'order_status', order_status: { reference_id: s.reference_id, order: { status: s.order.status, ...(s.order.description ? { description: s.order.description } : {}) } } }],
    });
  }

  return {
    name: template.name,
    language: { code: template.language, policy: 'deterministic' },
    ...(components.length > 0 ? { components } : {}),
  };
}
