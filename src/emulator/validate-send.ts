/**
 * Validation of `POST /{phone-number-id}/messages` bodies with Meta's codes
 * (cloud-api-payloads.md §1 and §2): unknown parameter → 100, missing → 131008,
 * invalid value or length/count → 131009, unknown type → 131051.
 * Detail strings follow the one format confirmed from real captures:
 * "<Label> length invalid. Min length: 1, Max length: 20".
 */
import { GraphError } from './errors.ts';
import { normalisePhone } from './wire.ts';

export type Json = Record<string, unknown>;

export const MESSAGE_TYPES = [
  'text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contacts', 'reaction', 'interactive', 'template',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
export const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type MediaKind = (typeof MEDIA_TYPES)[number];

export interface MediaRef {
  kind: MediaKind;
  id?: string;
  link?: string;
  /** Where in the message the media sits (for storing the fetched copy). */
  path: string;
}

export interface ValidatedSend {
  to: string;
  waId: string;
  type: MessageType;
  content: Json;
  contextId: string | null;
  bizOpaque: string | null;
  media: MediaRef[];
}

export interface ValidatedRead {
  messageId: string;
  typing: boolean;
}

export interface ValidateOptions {
  /** Refuse unknown keys with 100 (Meta: "unsupported or misspelled parameters"). */
  strictUnknownFields: boolean;
}

const ENVELOPE_KEYS = new Set([
  'messaging_product', 'recipient_type', 'to', 'recipient', 'recipient_identity_key_hash', 'type', 'context',
  'biz_opaque_callback_data', ...MESSAGE_TYPES,
]);

export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const missing = (path: string) => new GraphError(131008, `The parameter ${path} is required.`);
export const invalid = (details: string) => new GraphError(131009, details);
export const lengthInvalid = (label: string, max: number, min = 1) =>
  new GraphError(131009, `${label} length invalid. Min length: ${min}, Max length: ${max}`);

class Checker {
  constructor(private readonly opts: ValidateOptions) {}

  obj(parent: Json, key: string, path: string, required = true): Json | undefined {
    const v = parent[key];
    if (v === undefined || v === null) {
      if (required) throw missing(path);
      return undefined;
    }
    if (!isObj(v)) throw invalid(`Parameter ${path} must be an object.`);
    return v;
  }

  arr(parent: Json, key: string, path: string, required = true): unknown[] | undefined {
    const v = parent[key];
    if (v === undefined || v === null) {
      if (required) throw missing(path);
      return undefined;
    }
    if (!Array.isArray(v)) throw invalid(`Parameter ${path} must be an array.`);
    return v;
  }

  str(parent: Json, key: string, path: string, o: { max?: number; min?: number; required?: boolean; label?: string } = {}): string | undefined {
    const v = parent[key];
    const required = o.required ?? true;
    if (v === undefined || v === null) {
      if (required) throw missing(path);
      return undefined;
    }
    if (typeof v !== 'string') throw invalid(`Parameter ${path} must be a string.`);
    const min = o.min ?? (required ? 1 : 0);
    if (v.length < min || (o.max !== undefined && v.length > o.max)) {
      if (v.length === 0 && required) throw missing(path);
      throw lengthInvalid(o.label ?? path, o.max ?? Number.MAX_SAFE_INTEGER, min);
    }
    return v;
  }

  bool(parent: Json, key: string, path: string): void {
    const v = parent[key];
    if (v !== undefined && typeof v !== 'boolean') throw invalid(`Parameter ${path} must be a boolean.`);
  }

  keys(o: Json, allowed: string[], path: string): void {
    if (!this.opts.strictUnknownFields) return;
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) throw new GraphError(100, `Param ${path}['${k}'] is not a valid parameter.`);
    }
  }

  url(v: string, path: string): void {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw invalid(`Parameter ${path} is not a valid URL.`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalid(`Parameter ${path} must be an http(s) URL.`);
  }
}

export function validateRead(body: Json): ValidatedRead {
  if (body.messaging_product === undefined) throw missing('messaging_product');
  if (body.messaging_product !== 'whatsapp') throw invalid('Parameter messaging_product must be "whatsapp".');
  if (body.status !== 'read') throw invalid('Parameter status must be "read".');
  const id = body.message_id;
  if (id === undefined) throw missing('message_id');
  if (typeof id !== 'string' || !id) throw invalid('Parameter message_id must be a string.');
  let typing = false;
  if (body.typing_indicator !== undefined) {
    if (!isObj(body.typing_indicator)) throw invalid('Parameter typing_indicator must be an object.');
    if (body.typing_indicator.type !== 'text') throw invalid('Parameter typing_indicator.type must be "text".');
    typing = true;
  }
  return { messageId: id, typing };
}

export function validateSend(body: Json, opts: ValidateOptions): ValidatedSend {
  const c = new Checker(opts);
  if (typeof body.type === 'string' && !(MESSAGE_TYPES as readonly string[]).includes(body.type)) {
    throw new GraphError(131051, `Message type ${body.type} is not supported.`);
  }
  c.keys(body, [...ENVELOPE_KEYS], 'message');
  if (body.messaging_product === undefined) throw missing('messaging_product');
  if (body.messaging_product !== 'whatsapp') throw invalid('Parameter messaging_product must be "whatsapp".');
  if (body.recipient_type !== undefined && body.recipient_type !== 'individual') {
    if (body.recipient_type === 'group') throw invalid('Group messaging is not available on this number.');
    throw invalid('Parameter recipient_type must be "individual" or "group".');
  }
  const toRaw = body.to ?? body.recipient;
  if (toRaw === undefined || toRaw === null || toRaw === '') throw missing('to');
  if (typeof toRaw !== 'string') throw invalid('Parameter to must be a string.');
  const waId = normalisePhone(toRaw);
  if (!waId) throw invalid(`Invalid parameter 'to': ${toRaw} is not a valid phone number.`);
  if (body.type === undefined) throw missing('type');
  if (typeof body.type !== 'string') throw invalid('Parameter type must be a string.');
  if (!(MESSAGE_TYPES as readonly string[]).includes(body.type)) {
    throw new GraphError(131051, `Message type ${body.type} is not supported.`);
  }
  const type = body.type as MessageType;
  let content: Json;
  if (type === 'contacts') {
    if (body.contacts === undefined) throw missing('contacts');
    if (!Array.isArray(body.contacts)) throw invalid('Parameter contacts must be an array.');
    content = { contacts: body.contacts };
  } else content = c.obj(body, type, type) as Json;

  let contextId: string | null = null;
  if (body.context !== undefined) {
    const ctx = c.obj(body, 'context', 'context')!;
    c.keys(ctx, ['message_id'], 'context');
    contextId = c.str(ctx, 'message_id', 'context.message_id')!;
    if (type === 'reaction') throw invalid('Reaction messages cannot be sent as a reply (context is not allowed).');
  }
  let bizOpaque: string | null = null;
  if (body.biz_opaque_callback_data !== undefined) {
    bizOpaque = c.str(body, 'biz_opaque_callback_data', 'biz_opaque_callback_data', { max: 512, min: 0, label: 'biz_opaque_callback_data' })!;
  }

  const media: MediaRef[] = [];
  switch (type) {
    case 'text':
      c.keys(content, ['body', 'preview_url'], 'text');
      c.str(content, 'body', 'text.body', { max: 4096, label: 'Text body' });
      c.bool(content, 'preview_url', 'text.preview_url');
      break;
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      media.push(validateMedia(c, content, type, type));
      break;
    case 'location':
      validateLocation(c, content, 'location');
      break;
    case 'contacts':
      validateContacts(c, body.contacts as unknown[]);
      break;
    case 'reaction':
      c.keys(content, ['message_id', 'emoji'], 'reaction');
      c.str(content, 'message_id', 'reaction.message_id');
      if (content.emoji === undefined) throw missing('reaction.emoji');
      if (typeof content.emoji !== 'string') throw invalid('Parameter reaction.emoji must be a string.');
      if (content.emoji !== '' && !isSingleEmoji(content.emoji)) throw invalid('Parameter reaction.emoji must be a single emoji.');
      break;
    case 'interactive':
      validateInteractive(c, content, media);
      break;
    case 'template':
      validateTemplateShape(c, content, media);
      break;
  }
  return { to: toRaw, waId, type, content, contextId, bizOpaque, media };
}

const MEDIA_KEYS: Record<MediaKind, string[]> = {
  image: ['id', 'link', 'caption'],
  video: ['id', 'link', 'caption'],
  audio: ['id', 'link', 'voice'],
  document: ['id', 'link', 'caption', 'filename'],
  sticker: ['id', 'link'],
};

function validateMedia(c: Checker, o: Json, kind: MediaKind, path: string): MediaRef {
  c.keys(o, [...MEDIA_KEYS[kind], 'provider'], path);
  const hasId = o.id !== undefined && o.id !== null;
  const hasLink = o.link !== undefined && o.link !== null;
  if (!hasId && !hasLink) throw missing(`${path}.id or ${path}.link`);
  if (hasId && hasLink) throw invalid(`Parameters ${path}.id and ${path}.link cannot both be set.`);
  if ('caption' in o) c.str(o, 'caption', `${path}.caption`, { max: 1024, min: 0, required: false, label: 'Media caption' });
  if ('filename' in o) c.str(o, 'filename', `${path}.filename`, { max: 240, required: false, label: 'Document filename' });
  if ('voice' in o) c.bool(o, 'voice', `${path}.voice`);
  if (hasId) {
    const id = c.str(o, 'id', `${path}.id`)!;
    return { kind, id, path };
  }
  const link = c.str(o, 'link', `${path}.link`)!;
  c.url(link, `${path}.link`);
  return { kind, link, path };
}

function validateLocation(c: Checker, o: Json, path: string): void {
  c.keys(o, ['latitude', 'longitude', 'name', 'address'], path);
  for (const [k, lim] of [['latitude', 90], ['longitude', 180]] as const) {
    const v = o[k];
    if (v === undefined || v === null || v === '') throw missing(`${path}.${k}`);
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    if (!Number.isFinite(n) || Math.abs(n) > lim) throw invalid(`Parameter ${path}.${k} is not a valid coordinate.`);
  }
  c.str(o, 'name', `${path}.name`, { required: false, max: 1000 });
  c.str(o, 'address', `${path}.address`, { required: false, max: 1000 });
}

function validateContacts(c: Checker, list: unknown[]): void {
  if (list.length === 0) throw missing('contacts[0]');
  if (list.length > 257) throw invalid('A contacts message can include up to 257 contacts.');
  list.forEach((item, i) => {
    const path = `contacts[${i}]`;
    if (!isObj(item)) throw invalid(`Parameter ${path} must be an object.`);
    c.keys(item, ['addresses', 'birthday', 'emails', 'name', 'org', 'phones', 'urls'], path);
    const name = c.obj(item, 'name', `${path}.name`)!;
    c.str(name, 'formatted_name', `${path}.name.formatted_name`);
    if (item.birthday !== undefined && (typeof item.birthday !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(item.birthday))) {
      throw invalid(`Parameter ${path}.birthday must be YYYY-MM-DD.`);
    }
    for (const k of ['addresses', 'emails', 'phones', 'urls']) c.arr(item, k, `${path}.${k}`, false);
  });
}

function isSingleEmoji(s: string): boolean {
  const seg = [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(s)];
  if (seg.length !== 1) return false;
  return /\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{Emoji_Presentation}/u.test(s);
}

const INTERACTIVE_TYPES = [
  'button', 'list', 'cta_url', 'flow', 'product', 'product_list', 'catalog_message', 'location_request_message',
] as const;

function validateHeader(c: Checker, h: Json, allowed: string[], media: MediaRef[]): void {
  const t = c.str(h, 'type', 'interactive.header.type')!;
  if (!allowed.includes(t)) throw invalid(`Header type ${t} is not supported for this interactive message.`);
  if (t === 'text') {
    c.keys(h, ['type', 'text', 'sub_text'], 'interactive.header');
    c.str(h, 'text', 'interactive.header.text', { max: 60, label: 'Header text' });
  } else {
    c.keys(h, ['type', t], 'interactive.header');
    const m = c.obj(h, t, `interactive.header.${t}`)!;
    media.push(validateMedia(c, m, t as MediaKind, `interactive.header.${t}`));
  }
}

function textPart(c: Checker, o: Json, key: 'body' | 'footer', max: number, required: boolean): void {
  const part = c.obj(o, key, `interactive.${key}`, required);
  if (!part) return;
  c.keys(part, ['text'], `interactive.${key}`);
  c.str(part, 'text', `interactive.${key}.text`, { max, label: key === 'body' ? 'Body text' : 'Footer text' });
}

function validateInteractive(c: Checker, o: Json, media: MediaRef[]): void {
  if (o.type === undefined) throw missing('interactive.type');
  if (typeof o.type !== 'string' || !(INTERACTIVE_TYPES as readonly string[]).includes(o.type)) {
    throw invalid(`Interactive message type ${String(o.type)} is not valid.`);
  }
  const t = o.type as (typeof INTERACTIVE_TYPES)[number];
  c.keys(o, ['type', 'header', 'body', 'footer', 'action'], 'interactive');
  const action = c.obj(o, 'action', 'interactive.action')!;
  const header = c.obj(o, 'header', 'interactive.header', t === 'product_list');
  const noHeader = ['product', 'catalog_message', 'location_request_message'].includes(t);
  if (header && noHeader) throw invalid(`A header is not allowed on interactive messages of type ${t}.`);
  if (o.footer !== undefined && t === 'location_request_message') throw invalid('A footer is not allowed on location request messages.');
  switch (t) {
    case 'button': {
      if (header) validateHeader(c, header, ['text', 'image', 'video', 'document'], media);
      textPart(c, o, 'body', 1024, true);
      textPart(c, o, 'footer', 60, false);
      const buttons = c.arr(action, 'buttons', 'interactive.action.buttons')!;
      if (buttons.length < 1 || buttons.length > 3) throw invalid('Buttons count invalid. Min: 1, Max: 3');
      const ids = new Set<string>();
      const titles = new Set<string>();
      buttons.forEach((b, i) => {
        const path = `interactive.action.buttons[${i}]`;
        if (!isObj(b)) throw invalid(`Parameter ${path} must be an object.`);
        if (b.type !== 'reply') throw invalid(`Parameter ${path}.type must be "reply".`);
        const reply = c.obj(b, 'reply', `${path}.reply`)!;
        c.keys(reply, ['id', 'title'], `${path}.reply`);
        const id = c.str(reply, 'id', `${path}.reply.id`, { max: 256, label: 'Button id' })!;
        const title = reply.title;
        if (typeof title !== 'string' || title.length < 1 || title.length > 20) throw lengthInvalid('Button title', 20);
        if (ids.has(id)) throw invalid('Button ids must be unique.');
        if (titles.has(title)) throw invalid('Button titles must be unique.');
        ids.add(id);
        titles.add(title);
      });
      break;
    }
    case 'list': {
      if (header) validateHeader(c, header, ['text'], media);
      textPart(c, o, 'body', 4096, true);
      textPart(c, o, 'footer', 60, false);
      c.str(action, 'button', 'interactive.action.button', { max: 20, label: 'Button text' });
      const sections = c.arr(action, 'sections', 'interactive.action.sections')!;
      if (sections.length < 1 || sections.length > 10) throw invalid('Sections count invalid. Min: 1, Max: 10');
      let rows = 0;
      const rowIds = new Set<string>();
      sections.forEach((s, i) => {
        const path = `interactive.action.sections[${i}]`;
        if (!isObj(s)) throw invalid(`Parameter ${path} must be an object.`);
        c.str(s, 'title', `${path}.title`, { max: 24, required: sections.length > 1, label: 'Section title' });
        const r = c.arr(s, 'rows', `${path}.rows`)!;
        if (r.length < 1) throw invalid('Each section needs at least one row.');
        r.forEach((row, j) => {
          const rp = `${path}.rows[${j}]`;
          if (!isObj(row)) throw invalid(`Parameter ${rp} must be an object.`);
          c.keys(row, ['id', 'title', 'description'], rp);
          const id = c.str(row, 'id', `${rp}.id`, { max: 200, label: 'Row id' })!;
          c.str(row, 'title', `${rp}.title`, { max: 24, label: 'Row title' });
          c.str(row, 'description', `${rp}.description`, { max: 72, required: false, label: 'Row description' });
          if (rowIds.has(id)) throw invalid('Row ids must be unique.');
          rowIds.add(id);
        });
        rows += r.length;
      });
      if (rows > 10) throw invalid('Total row count exceed max allowed count: 10');
      break;
    }
    case 'cta_url': {
      if (header) validateHeader(c, header, ['text', 'image', 'video', 'document'], media);
      textPart(c, o, 'body', 1024, true);
      textPart(c, o, 'footer', 60, false);
      if (action.name !== 'cta_url') throw invalid('Parameter interactive.action.name must be "cta_url".');
      const p = c.obj(action, 'parameters', 'interactive.action.parameters')!;
      c.str(p, 'display_text', 'interactive.action.parameters.display_text', { max: 20, label: 'Display text' });
      c.url(c.str(p, 'url', 'interactive.action.parameters.url')!, 'interactive.action.parameters.url');
      break;
    }
    case 'flow': {
      if (header) validateHeader(c, header, ['text', 'image', 'video', 'document'], media);
      textPart(c, o, 'body', 1024, true);
      textPart(c, o, 'footer', 60, false);
      if (action.name !== 'flow') throw invalid('Parameter interactive.action.name must be "flow".');
      const p = c.obj(action, 'parameters', 'interactive.action.parameters')!;
      if (p.flow_message_version === undefined) throw missing('interactive.action.parameters.flow_message_version');
      if (String(p.flow_message_version) !== '3') throw invalid('Parameter flow_message_version must be "3".');
      const hasId = p.flow_id !== undefined;
      const hasName = p.flow_name !== undefined;
      if (!hasId && !hasName) throw missing('interactive.action.parameters.flow_id');
      if (hasId && hasName) throw invalid('Only one of flow_id and flow_name can be set.');
      c.str(p, 'flow_cta', 'interactive.action.parameters.flow_cta', { max: 30, label: 'Flow CTA' });
      if (p.flow_action !== undefined && p.flow_action !== 'navigate' && p.flow_action !== 'data_exchange') {
        throw invalid('Parameter flow_action must be "navigate" or "data_exchange".');
      }
      if (p.mode !== undefined && p.mode !== 'draft' && p.mode !== 'published') throw invalid('Parameter mode must be "draft" or "published".');
      if (p.flow_action_payload !== undefined) {
        if (!isObj(p.flow_action_payload)) throw invalid('Parameter flow_action_payload must be an object.');
        const d = p.flow_action_payload.data;
        if (d !== undefined && (!isObj(d) || Object.keys(d).length === 0)) throw invalid('Parameter flow_action_payload.data must be a non-empty object.');
      }
      break;
    }
    case 'product':
      textPart(c, o, 'body', 1024, false);
      textPart(c, o, 'footer', 60, false);
      c.str(action, 'catalog_id', 'interactive.action.catalog_id');
      c.str(action, 'product_retailer_id', 'interactive.action.product_retailer_id');
      break;
    case 'product_list': {
      validateHeader(c, header!, ['text'], media);
      textPart(c, o, 'body', 1024, true);
      textPart(c, o, 'footer', 60, false);
      c.str(action, 'catalog_id', 'interactive.action.catalog_id');
      const sections = c.arr(action, 'sections', 'interactive.action.sections')!;
      if (sections.length < 1 || sections.length > 10) throw invalid('Sections count invalid. Min: 1, Max: 10');
      let total = 0;
      sections.forEach((s, i) => {
        const path = `interactive.action.sections[${i}]`;
        if (!isObj(s)) throw invalid(`Parameter ${path} must be an object.`);
        c.str(s, 'title', `${path}.title`, { max: 24, required: sections.length > 1, label: 'Section title' });
        const items = c.arr(s, 'product_items', `${path}.product_items`)!;
        if (items.length < 1) throw invalid('Each section needs at least one product.');
        items.forEach((it, j) => {
          if (!isObj(it)) throw invalid(`Parameter ${path}.product_items[${j}] must be an object.`);
          c.str(it, 'product_retailer_id', `${path}.product_items[${j}].product_retailer_id`);
        });
        total += items.length;
      });
      if (total > 30) throw invalid('Total product count exceed max allowed count: 30');
      break;
    }
    case 'catalog_message':
      textPart(c, o, 'body', 1024, true);
      textPart(c, o, 'footer', 60, false);
      if (action.name !== 'catalog_message') throw invalid('Parameter interactive.action.name must be "catalog_message".');
      break;
    case 'location_request_message':
      textPart(c, o, 'body', 1024, true);
      if (action.name !== 'send_location') throw invalid('Parameter interactive.action.name must be "send_location".');
      break;
  }
}

/** Shape of a template send; the parameters are checked against the stored template later. */
function validateTemplateShape(c: Checker, o: Json, media: MediaRef[]): void {
  c.keys(o, ['name', 'language', 'components', 'namespace'], 'template');
  c.str(o, 'name', 'template.name', { max: 512 });
  const lang = c.obj(o, 'language', 'template.language')!;
  c.keys(lang, ['code', 'policy'], 'template.language');
  c.str(lang, 'code', 'template.language.code');
  if (lang.policy !== undefined && lang.policy !== 'deterministic') throw invalid('Parameter template.language.policy must be "deterministic".');
  const comps = c.arr(o, 'components', 'template.components', false) ?? [];
  comps.forEach((comp, i) => {
    const path = `template.components[${i}]`;
    if (!isObj(comp)) throw invalid(`Parameter ${path} must be an object.`);
    const t = c.str(comp, 'type', `${path}.type`)!;
    if (!['header', 'body', 'button', 'footer', 'limited_time_offer', 'carousel'].includes(t.toLowerCase())) {
      throw invalid(`Parameter ${path}.type ${t} is not valid.`);
    }
    const params = c.arr(comp, 'parameters', `${path}.parameters`, t.toLowerCase() !== 'footer') ?? [];
    params.forEach((p, j) => {
      if (!isObj(p)) throw invalid(`Parameter ${path}.parameters[${j}] must be an object.`);
      const pt = p.type;
      if (pt === undefined) throw missing(`${path}.parameters[${j}].type`);
      if (typeof pt === 'string' && (MEDIA_TYPES as readonly string[]).includes(pt) && pt !== 'audio' && pt !== 'sticker') {
        const m = c.obj(p, pt, `${path}.parameters[${j}].${pt}`)!;
        media.push(validateMedia(c, m, pt as MediaKind, `${path}.parameters[${j}].${pt}`));
      }
    });
  });
}
