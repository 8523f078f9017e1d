/**
 * Graph API routes (`{graphPrefix}/v{N}.0/...`). Bodies are not schema-validated by Fastify:
 * the engine validates them and answers Meta's error envelope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from './engine.ts';
import { GraphError } from './errors.ts';
import type { MediaRow, NumberRow, TemplateRow, WabaRow } from './store.ts';
import { isObj, type Json } from './validate-send.ts';

export interface GraphRouteOptions {
  engine: Engine;
  graphPrefix: string;
  publicBaseUrl: () => string | undefined;
}

type Params = { version: string; id: string };

export function parseVersion(v: string): number {
  const m = /^v(\d+)\.(\d+)$/.exec(v);
  if (!m) throw new GraphError(100, `Unknown path components: /${v}`, { httpStatus: 400 });
  return Number(m[1]);
}

export function baseUrlOf(req: FastifyRequest, configured: string | undefined): string {
  if (configured) return configured.replace(/\/$/, '');
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}

const GRAPH_SCHEMA = (summary: string) => ({ schema: { tags: ['emulator-graph'], summary, hide: false } });

export async function registerGraphRoutes(app: FastifyInstance, o: GraphRouteOptions): Promise<void> {
  const e = o.engine;
  const gp = o.graphPrefix;
  const auth = (req: FastifyRequest) => e.authenticate(req.headers.authorization, (req.query as Json | undefined)?.access_token);

  app.post<{ Params: Params }>(`${gp}/:version/:id/messages`, GRAPH_SCHEMA('Send a message, mark a message read, or show a typing indicator'), async (req) => {
    const version = parseVersion(req.params.version);
    const waba = auth(req);
    return e.sendGrouped(waba, req.params.id, req.body, version);
  });

  app.post<{ Params: Params }>(
    `${gp}/:version/:id/media`,
    { ...GRAPH_SCHEMA('Upload media (multipart/form-data: messaging_product, file, type)'), bodyLimit: 101 * 1024 * 1024 },
    async (req) => {
      parseVersion(req.params.version);
      const waba = auth(req);
      e.ownedNumber(waba, req.params.id, 'post');
      const ct = String(req.headers['content-type'] ?? '');
      if (!ct.startsWith('multipart/form-data') || !Buffer.isBuffer(req.body)) {
        throw new GraphError(131008, 'Media must be uploaded as multipart/form-data with messaging_product, file and type.');
      }
      let form: FormData;
      try {
        form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': ct } }).formData();
      } catch {
        throw new GraphError(100, 'The multipart body could not be parsed.');
      }
      const fields: Record<string, string> = {};
      let file: { data: Buffer; type: string; name: string } | null = null;
      for (const [k, v] of form) {
        if (typeof v === 'string') fields[k] = v;
        else if (k === 'file') file = { data: Buffer.from(await v.arrayBuffer()), type: v.type, name: v.name };
      }
      return e.upload(waba, req.params.id, { fields, file });
    },
  );

  app.get<{ Params: Params }>(`${gp}/:version/:id/message_templates`, GRAPH_SCHEMA('List message templates'), async (req) => {
    parseVersion(req.params.version);
    const waba = wabaPath(e, auth(req), req.params.id, 'get');
    e.checkManagementCall(waba);
    const url = `${baseUrlOf(req, o.publicBaseUrl())}${req.url.split('?')[0]}`;
    return e.listTemplates(waba, (req.query ?? {}) as Json, url + '?' + new URLSearchParams(req.query as Record<string, string>).toString());
  });

  app.post<{ Params: Params }>(`${gp}/:version/:id/message_templates`, GRAPH_SCHEMA('Create a message template'), async (req) => {
    parseVersion(req.params.version);
    const waba = wabaPath(e, auth(req), req.params.id, 'post');
    e.checkManagementCall(waba);
    return e.createTemplate(waba, req.body);
  });

  app.delete<{ Params: Params }>(`${gp}/:version/:id/message_templates`, GRAPH_SCHEMA('Delete message templates by name, hsm_id or hsm_ids'), async (req) => {
    parseVersion(req.params.version);
    const waba = wabaPath(e, auth(req), req.params.id, 'delete');
    e.checkManagementCall(waba);
    return e.deleteTemplates(waba, (req.query ?? {}) as Json);
  });

  app.get<{ Params: Params }>(`${gp}/:version/:id/phone_numbers`, GRAPH_SCHEMA("List a WABA's phone numbers"), async (req) => {
    parseVersion(req.params.version);
    const waba = wabaPath(e, auth(req), req.params.id, 'get');
    e.checkManagementCall(waba);
    const q = (req.query ?? {}) as Json;
    const nums = e.store.all<NumberRow>('SELECT * FROM numbers WHERE waba_id = ? ORDER BY created_at', waba.id);
    return { data: nums.map((n) => numberJson(e, n, q.fields)) };
  });

  app.get<{ Params: Params }>(`${gp}/:version/:id`, GRAPH_SCHEMA('Read a phone number, template, media or WABA'), async (req) => {
    parseVersion(req.params.version);
    const waba = auth(req);
    const id = req.params.id;
    const q = (req.query ?? {}) as Json;
    const num = e.number(id);
    if (num && num.waba_id === waba.id) return numberJson(e, num, q.fields);
    const tpl = e.store.get<TemplateRow>('SELECT * FROM templates WHERE id = ?', id);
    if (tpl && tpl.waba_id === waba.id && tpl.status !== 'DELETED') {
      e.checkManagementCall(waba);
      const fields = typeof q.fields === 'string' ? q.fields.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      return e.templateJson(tpl, fields);
    }
    if (e.store.get('SELECT 1 FROM media WHERE id = ?', id)) {
      const m = e.mediaOf(waba, id, q.phone_number_id, 'get');
      return e.mediaInfo(m, baseUrlOf(req, o.publicBaseUrl()), gp);
    }
    if (id === waba.id) {
      e.checkManagementCall(waba);
      return { id: waba.id, name: waba.name, currency: 'INR', timezone_id: '71', message_template_namespace: `sandbox_${waba.id}` };
    }
    throw e.noObject(id, 'get');
  });

  app.post<{ Params: Params }>(`${gp}/:version/:id`, GRAPH_SCHEMA('Edit a message template'), async (req) => {
    parseVersion(req.params.version);
    const waba = auth(req);
    e.checkManagementCall(waba);
    return e.editTemplate(waba, req.params.id, req.body);
  });

  app.delete<{ Params: Params }>(`${gp}/:version/:id`, GRAPH_SCHEMA('Delete media'), async (req) => {
    parseVersion(req.params.version);
    const waba = auth(req);
    const m: MediaRow = e.mediaOf(waba, req.params.id, ((req.query ?? {}) as Json).phone_number_id, 'delete');
    return e.deleteMedia(m);
  });

  app.get(`${gp}/whatsapp_business/attachments/`, GRAPH_SCHEMA('Download media (Authorization: Bearer required)'), async (req, reply) => {
    const m = e.download((req.query ?? {}) as Json, req.headers.authorization);
    if (!m) {
      reply.code(404).type('text/plain');
      return 'Not Found';
    }
    reply.header('content-type', m.mime_type).header('content-length', String(m.file_size));
    if (m.filename) reply.header('content-disposition', `attachment; filename="${m.filename.replace(/"/g, '')}"`);
    return reply.send(m.data);
  });
}

function wabaPath(e: Engine, waba: WabaRow, id: string, method: 'get' | 'post' | 'delete'): WabaRow {
  if (id !== waba.id) throw e.noObject(id, method);
  return waba;
}

const NUMBER_FIELDS = [
  'id', 'display_phone_number', 'verified_name', 'quality_rating', 'throughput', 'whatsapp_business_manager_messaging_limit',
  'messaging_limit_tier', 'code_verification_status', 'platform_type', 'status', 'name_status', 'is_official_business_account',
];

export function numberJson(e: Engine, n: NumberRow, fieldsParam: unknown): Json {
  const biz = e.businessOfNumber(n);
  const all: Json = {
    verified_name: n.verified_name,
    code_verification_status: 'VERIFIED',
    display_phone_number: formatDisplay(n.display_phone_number),
    quality_rating: n.quality_rating,
    platform_type: 'CLOUD_API',
    throughput: { level: n.throughput_mps >= 1000 ? 'HIGH' : n.throughput_mps <= 20 ? 'COEXISTENCE' : 'STANDARD' },
    whatsapp_business_manager_messaging_limit: biz.tier,
    messaging_limit_tier: biz.tier,
    status: n.registered ? 'CONNECTED' : 'PENDING',
    name_status: 'APPROVED',
    is_official_business_account: false,
    id: n.id,
  };
  if (typeof fieldsParam !== 'string' || !fieldsParam.trim()) {
    const { messaging_limit_tier: _a, whatsapp_business_manager_messaging_limit: _b, status: _c, name_status: _d, is_official_business_account: _e, ...rest } = all;
    return rest;
  }
  const out: Json = {};
  for (const f of fieldsParam.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!NUMBER_FIELDS.includes(f)) {
      throw new GraphError(100, `Tried accessing nonexisting field (${f}) on node type (WhatsAppBusinessPhoneNumber)`);
    }
    out[f] = all[f];
  }
  out.id = n.id;
  return out;
}

/** "919000000001" → "+91 90000 00001"-ish display, as Meta shows a formatted number. */
function formatDisplay(d: string): string {
  if (d.startsWith('1') && d.length === 11) return `+1 ${d.slice(1, 4)}-${d.slice(4, 7)}-${d.slice(7)}`;
  if (d.startsWith('91') && d.length === 12) return `+91 ${d.slice(2, 7)} ${d.slice(7)}`;
  return `+${d}`;
}

export { isObj };
