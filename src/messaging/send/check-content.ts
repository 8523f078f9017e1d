import { invalid } from './invalid.ts';
import { checkMediaUrl, type MediaUrlOptions } from './media-url.ts';

/**
 * Checks message objects in Meta's shape against every limit the Cloud API enforces
 * (cloud-api-payloads.md §1–2), before a send is accepted. `path` is how the caller's request
 * names the object (e.g. "data.message"), so each message names the field as the caller sent it.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) invalid(path, 'must be an object');
  return v;
}

export function str(v: unknown, path: string, opts: { max: number; min?: number; required?: boolean }): string | undefined {
  if (v === undefined || v === null) {
    if (opts.required) invalid(path, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') invalid(path, 'must be a string');
  const min = opts.min ?? (opts.required ? 1 : 0);
  if (v.length < min) invalid(path, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
  if (v.length > opts.max) invalid(path, `must be at most ${opts.max} characters (Cloud API limit), got ${v.length}`);
  return v;
}

export function arr(v: unknown, path: string, opts: { min: number; max: number; what: string }): unknown[] {
  if (!Array.isArray(v)) invalid(path, `must be an array of ${opts.what}`);
  if (v.length < opts.min) invalid(path, `must have at least ${opts.min} ${opts.what}`);
  if (v.length > opts.max) invalid(path, `must have at most ${opts.max} ${opts.what} (Cloud API limit), got ${v.length}`);
  return v;
}

/** Text of an interactive header/body/footer: `{ text }`. */
function textPart(v: unknown, path: string, max: number, required: boolean): void {
  if (v === undefined || v === null) {
    if (required) invalid(path, 'is required');
    return;
  }
  str(obj(v, path).text, `${path}.text`, { max, required: true });
}

function header(v: unknown, path: string, allowed: string[], media: MediaUrlOptions, required = false): void {
  if (v === undefined || v === null) {
    if (required) invalid(path, 'is required');
    return;
  }
  const h = obj(v, path);
  const type = h.type;
  if (typeof type !== 'string' || !allowed.includes(type)) invalid(`${path}.type`, `must be one of ${allowed.join(', ')}`);
  if (type === 'text') {
    str(h.text, `${path}.text`, { max: 60, required: true });
    return;
  }
  const m = obj(h[type], `${path}.${type}`);
  if (m.id !== undefined) {
    str(m.id, `${path}.${type}.id`, { max: 128, required: true });
  } else {
    checkMediaUrl(m.link, `${path}.${type}.link`, type as 'image' | 'video' | 'document', media);
  }
}

function uniq(values: string[], path: string, what: string) {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) invalid(path, `must have unique ${what}; "${v}" appears twice`);
    seen.add(v);
  }
}

/** An `interactive` object of any type Samvad sends (button, list, cta_url, flow, product, product_list, catalog_message, location_request_message). */
export function checkInteractive(v: unknown, path: string, media: MediaUrlOptions, expectType?: string): Obj {
  const i = obj(v, path);
  const type = i.type;
  if (expectType && type !== expectType) invalid(`${path}.type`, `must be "${expectType}"`);
  const action = (required = true) => (required || i.action !== undefined ? obj(i.action, `${path}.action`) : {});
  switch (type) {
    case 'button': {
      header(i.header, `${path}.header`, ['text', 'image', 'video', 'document'], media);
      textPart(i.body, `${path}.body`, 1024, true);
      textPart(i.footer, `${path}.footer`, 60, false);
      const buttons = arr(action().buttons, `${path}.action.buttons`, { min: 1, max: 3, what: 'reply buttons' });
      const ids: string[] = [];
      const titles: string[] = [];
      buttons.forEach((b, n) => {
        const p = `${path}.action.buttons[${n}]`;
        const btn = obj(b, p);
        if (btn.type !== 'reply') invalid(`${p}.type`, 'must be "reply"');
        const reply = obj(btn.reply, `${p}.reply`);
        const id = str(reply.id, `${p}.reply.id`, { max: 256, required: true })!;
        if (id.trim() !== id) invalid(`${p}.reply.id`, 'must not have leading or trailing spaces');
        ids.push(id);
        titles.push(str(reply.title, `${p}.reply.title`, { max: 20, required: true })!);
      });
      uniq(ids, `${path}.action.buttons`, 'reply ids');
      uniq(titles, `${path}.action.buttons`, 'titles');
      break;
    }
    case 'list': {
      header(i.header, `${path}.header`, ['text'], media);
      textPart(i.body, `${path}.body`, 4096, true);
      textPart(i.footer, `${path}.footer`, 60, false);
      const a = action();
      str(a.button, `${path}.action.button`, { max: 20, required: true });
      const sections = arr(a.sections, `${path}.action.sections`, { min: 1, max: 10, what: 'sections' });
      let rows = 0;
      const ids: string[] = [];
      sections.forEach((s, n) => {
        const p = `${path}.action.sections[${n}]`;
        const sec = obj(s, p);
        str(sec.title, `${p}.title`, { max: 24, required: sections.length > 1 });
        const r = arr(sec.rows, `${p}.rows`, { min: 1, max: 10, what: 'rows' });
        r.forEach((row, k) => {
          const rp = `${p}.rows[${k}]`;
          const ro = obj(row, rp);
          ids.push(str(ro.id, `${rp}.id`, { max: 200, required: true })!);
          str(ro.title, `${rp}.title`, { max: 24, required: true });
          str(ro.description, `${rp}.description`, { max: 72 });
        });
        rows += r.length;
      });
      if (rows > 10) invalid(`${path}.action.sections`, `must have at most 10 rows across all sections (Cloud API limit), got ${rows}`);
      uniq(ids, `${path}.action.sections`, 'row ids');
      break;
    }
    case 'cta_url': {
      header(i.header, `${path}.header`, ['text', 'image', 'video', 'document'], media);
      textPart(i.body, `${path}.body`, 1024, true);
      textPart(i.footer, `${path}.footer`, 60, false);
      const a = action();
      if (a.name !== 'cta_url') invalid(`${path}.action.name`, 'must be "cta_url"');
      const params = obj(a.parameters, `${path}.action.parameters`);
      str(params.display_text, `${path}.action.parameters.display_text`, { max: 20, required: true });
      const url = str(params.url, `${path}.action.parameters.url`, { max: 2000, required: true })!;
      if (!/^https?:\/\//i.test(url)) invalid(`${path}.action.parameters.url`, 'must be an http(s) URL');
      break;
    }
    case 'flow': {
      header(i.header, `${path}.header`, ['text'], media);
      textPart(i.body, `${path}.body`, 1024, true);
      textPart(i.footer, `${path}.footer`, 60, false);
      const a = action();
      if (a.name !== 'flow') invalid(`${path}.action.name`, 'must be "flow"');
      const p = obj(a.parameters, `${path}.action.parameters`);
      const pp = `${path}.action.parameters`;
      if (String(p.flow_message_version) !== '3') invalid(`${pp}.flow_message_version`, 'must be "3"');
      if ((p.flow_id === undefined) === (p.flow_name === undefined)) invalid(pp, 'must have exactly one of flow_id and flow_name');
      str(p.flow_id, `${pp}.flow_id`, { max: 64 });
      str(p.flow_name, `${pp}.flow_name`, { max: 200 });
      const cta = str(p.flow_cta, `${pp}.flow_cta`, { max: 20, required: true })!;
      if (/\p{Extended_Pictographic}/u.test(cta)) invalid(`${pp}.flow_cta`, 'must not contain emoji');
      str(p.flow_token, `${pp}.flow_token`, { max: 200 });
      if (p.flow_action !== undefined && p.flow_action !== 'navigate' && p.flow_action !== 'data_exchange') invalid(`${pp}.flow_action`, 'must be "navigate" or "data_exchange"');
      if (p.mode !== undefined && p.mode !== 'draft' && p.mode !== 'published') invalid(`${pp}.mode`, 'must be "draft" or "published"');
      if (p.flow_action_payload !== undefined) {
        if (p.flow_action === 'data_exchange') invalid(`${pp}.flow_action_payload`, 'is only for flow_action "navigate"');
        const fap = obj(p.flow_action_payload, `${pp}.flow_action_payload`);
        if (fap.data !== undefined && (!isObj(fap.data) || Object.keys(fap.data).length === 0)) invalid(`${pp}.flow_action_payload.data`, 'must be a non-empty object when present');
      }
      break;
    }
    case 'product': {
      if (i.header !== undefined) invalid(`${path}.header`, 'is not allowed for single-product messages');
      textPart(i.body, `${path}.body`, 1024, false);
      textPart(i.footer, `${path}.footer`, 60, false);
      const a = action();
      str(a.catalog_id, `${path}.action.catalog_id`, { max: 64, required: true });
      str(a.product_retailer_id, `${path}.action.product_retailer_id`, { max: 100, required: true });
      break;
    }
    case 'product_list': {
      header(i.header, `${path}.header`, ['text'], media, true);
      textPart(i.body, `${path}.body`, 1024, true);
      textPart(i.footer, `${path}.footer`, 60, false);
      const a = action();
      str(a.catalog_id, `${path}.action.catalog_id`, { max: 64, required: true });
      const sections = arr(a.sections, `${path}.action.sections`, { min: 1, max: 10, what: 'sections' });
      let products = 0;
      sections.forEach((s, n) => {
        const p = `${path}.action.sections[${n}]`;
        const sec = obj(s, p);
        str(sec.title, `${p}.title`, { max: 24, required: sections.length > 1 });
        const items = arr(sec.product_items, `${p}.product_items`, { min: 1, max: 30, what: 'products' });
        items.forEach((it, k) => str(obj(it, `${p}.product_items[${k}]`).product_retailer_id, `${p}.product_items[${k}].product_retailer_id`, { max: 100, required: true }));
        products += items.length;
      });
      if (products > 30) invalid(`${path}.action.sections`, `must have at most 30 products across all sections (Cloud API limit), got ${products}`);
      break;
    }
    case 'catalog_message': {
      if (i.header !== undefined) invalid(`${path}.header`, 'is not allowed for catalog messages');
      textPart(i.body, `${path}.body`, 1024, true);
      textPart(i.footer, `${path}.footer`, 60, false);
      const a = action();
      if (a.name !== 'catalog_message') invalid(`${path}.action.name`, 'must be "catalog_message"');
      break;
    }
    case 'location_request_message': {
      if (i.header !== undefined || i.footer !== undefined) invalid(path, 'location requests take no header or footer');
      textPart(i.body, `${path}.body`, 1024, true);
      if (action().name !== 'send_location') invalid(`${path}.action.name`, 'must be "send_location"');
      break;
    }
    default:
      invalid(`${path}.type`, 'must be one of button, list, cta_url, flow, product, product_list, catalog_message, location_request_message');
  }
  return i;
}

export function checkLocation(v: unknown, path: string): Obj {
  const l = obj(v, path);
  const coord = (key: 'latitude' | 'longitude', limit: number) => {
    const raw = l[key];
    const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isFinite(n) || Math.abs(n) > limit) invalid(`${path}.${key}`, `must be a number from -${limit} to ${limit}`);
    return n;
  };
  const out: Obj = { latitude: coord('latitude', 90), longitude: coord('longitude', 180) };
  const name = str(l.name, `${path}.name`, { max: 1000 });
  const address = str(l.address, `${path}.address`, { max: 1000 });
  if (name !== undefined) out.name = name;
  if (address !== undefined) out.address = address;
  return out;
}

export function checkContacts(v: unknown, path: string): unknown[] {
  const list = arr(v, path, { min: 1, max: 257, what: 'contacts' });
  list.forEach((c, n) => {
    const p = `${path}[${n}]`;
    const contact = obj(c, p);
    const name = obj(contact.name, `${p}.name`);
    str(name.formatted_name, `${p}.name.formatted_name`, { max: 1000, required: true });
    if (contact.birthday !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(contact.birthday))) invalid(`${p}.birthday`, 'must be YYYY-MM-DD');
    for (const key of ['phones', 'emails', 'urls', 'addresses'] as const) {
      if (contact[key] !== undefined) arr(contact[key], `${p}.${key}`, { min: 0, max: 100, what: key });
    }
  });
  return list;
}

/** A reaction: one emoji (or "" to remove) to a message by its wamid. */
export function checkReaction(messageId: unknown, emoji: unknown, path: { messageId: string; emoji: string }): { message_id: string; emoji: string } {
  const id = str(messageId, path.messageId, { max: 128, required: true })!;
  if (typeof emoji !== 'string') invalid(path.emoji, 'must be a string: one emoji, or "" to remove the reaction');
  if (emoji !== '') {
    const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(emoji)];
    if (graphemes.length !== 1 || !/\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(emoji)) invalid(path.emoji, 'must be exactly one emoji, or "" to remove the reaction');
  }
  return { message_id: id, emoji };
}
