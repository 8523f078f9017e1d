/**
 * Control API (`{controlPrefix}/...`): create numbers and virtual users, make a user send any
 * inbound type, read a user's chat as their phone shows it, change a number's quality, tier or
 * throughput, move the clock (test clock only), trigger template review outcomes, inspect
 * webhooks. Documented in the OpenAPI page under the `emulator` tag.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Engine } from './engine.ts';
import { GraphError } from './errors.ts';
import { samples } from './media.ts';
import type { Behaviour, Quality, TemplateRow, Tier } from './store.ts';
import { verifyCallback } from './webhooks.ts';

export interface ControlRouteOptions {
  engine: Engine;
  controlPrefix: string;
  graphPrefix: string;
  loopbackOnly: boolean;
  drain: () => Promise<void>;
  publicBaseUrl: () => string | undefined;
}

const tags = ['emulator'];

const ReplyScript = Type.Object({
  mode: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('text')], { description: 'auto: press buttons, pick rows, order, submit flows; text: always reply with `text`' })),
  text: Type.Optional(Type.String()),
  buttonIndex: Type.Optional(Type.Integer({ minimum: 0 })),
  rowIndex: Type.Optional(Type.Integer({ minimum: 0 })),
  delayMs: Type.Optional(Type.Integer({ minimum: 0 })),
  once: Type.Optional(Type.Boolean()),
});
const BehaviourSchema = Type.Object({
  onWhatsApp: Type.Optional(Type.Boolean()),
  deliveryDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
  readDelayMs: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 0 })], { description: 'null: never reads' })),
  marketingOptOut: Type.Optional(Type.Boolean()),
  marketingCap: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 0 })])),
  reply: Type.Optional(Type.Union([Type.Null(), ReplyScript])),
});
const TierSchema = Type.Union(['TIER_250', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED'].map((t) => Type.Literal(t)));
const QualitySchema = Type.Union(['GREEN', 'YELLOW', 'RED', 'UNKNOWN'].map((t) => Type.Literal(t)));

const CreateNumber = Type.Object({
  display_phone_number: Type.Optional(Type.String({ description: 'digits; random 1555… when omitted' })),
  verified_name: Type.Optional(Type.String()),
  waba_id: Type.Optional(Type.String({ description: 'add to an existing WABA (shares its token and app secret)' })),
  business_id: Type.Optional(Type.String({ description: 'new WABA in an existing portfolio' })),
  throughput_mps: Type.Optional(Type.Integer({ minimum: 1, description: '20, 80 (default) or 1000' })),
  tier: Type.Optional(TierSchema),
  quality_rating: Type.Optional(QualitySchema),
  access_token: Type.Optional(Type.String()),
  app_secret: Type.Optional(Type.String()),
  callback_url: Type.Optional(Type.String()),
  verify_token: Type.Optional(Type.String()),
  verify_callback: Type.Optional(Type.Boolean({ description: 'perform the hub.challenge handshake (default true)' })),
});
const PatchNumber = Type.Object({
  verified_name: Type.Optional(Type.String()),
  quality_rating: Type.Optional(QualitySchema),
  throughput_mps: Type.Optional(Type.Integer({ minimum: 1 })),
  tier: Type.Optional(TierSchema),
  registered: Type.Optional(Type.Boolean()),
  payment_valid: Type.Optional(Type.Boolean()),
  callback_url: Type.Optional(Type.Union([Type.Null(), Type.String()])),
  verify_token: Type.Optional(Type.String()),
  verify_callback: Type.Optional(Type.Boolean()),
});
const CreateUser = Type.Object({ wa_id: Type.String(), profile_name: Type.String(), behaviour: Type.Optional(BehaviourSchema) });
const PatchUser = Type.Object({ profile_name: Type.Optional(Type.String()), behaviour: Type.Optional(BehaviourSchema) });
const UserSends = Type.Object(
  {
    phone_number_id: Type.Optional(Type.String({ description: 'business number; default: the one the user last talked to' })),
    type: Type.String({
      description:
        'text | image | video | audio | document | sticker | location | contacts | reaction | button (template quick reply) | interactive | button_reply | list_reply | order | unsupported',
    }),
    text: Type.Optional(Type.String()),
    caption: Type.Optional(Type.String()),
    filename: Type.Optional(Type.String()),
    sample: Type.Optional(Type.String({ description: 'name of a sample file (GET samples)' })),
    data_base64: Type.Optional(Type.String()),
    mime_type: Type.Optional(Type.String()),
    voice: Type.Optional(Type.Boolean()),
    latitude: Type.Optional(Type.Number()),
    longitude: Type.Optional(Type.Number()),
    name: Type.Optional(Type.String()),
    address: Type.Optional(Type.String()),
    emoji: Type.Optional(Type.String()),
    message_id: Type.Optional(Type.String({ description: 'reaction target' })),
    reply_to: Type.Optional(Type.String({ description: 'wamid of a business message: sets context and drives button/list/flow/order replies' })),
    button_index: Type.Optional(Type.Integer({ minimum: 0 })),
    row_index: Type.Optional(Type.Integer({ minimum: 0 })),
    payload: Type.Optional(Type.String()),
    interactive: Type.Optional(Type.Object({}, { additionalProperties: true })),
    order: Type.Optional(Type.Object({}, { additionalProperties: true })),
    flow_response: Type.Optional(Type.Object({}, { additionalProperties: true })),
    contacts: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
    referral: Type.Optional(Type.Union([Type.Boolean(), Type.Object({}, { additionalProperties: true })], { description: 'true or a referral object: click-to-WhatsApp entry (opens a free entry point)' })),
    forwarded: Type.Optional(Type.Boolean()),
    unsupported_type: Type.Optional(Type.String()),
    message: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'raw fields merged into the message object' })),
  },
  { additionalProperties: false },
);
const Advance = Type.Object({
  ms: Type.Optional(Type.Number({ minimum: 0 })),
  seconds: Type.Optional(Type.Number({ minimum: 0 })),
  hours: Type.Optional(Type.Number({ minimum: 0 })),
});
const TemplateEvent = Type.Object({
  event: Type.String({ description: 'APPROVED | REJECTED | PAUSED | DISABLED | REINSTATED | UNPAUSED | FLAGGED | IN_APPEAL | PENDING_DELETION | ARCHIVED | LOCKED | LIMIT_EXCEEDED' }),
  reason: Type.Optional(Type.String({ description: 'ABUSIVE_CONTENT | INCORRECT_CATEGORY | INVALID_FORMAT | PROMOTIONAL | SCAM | TAG_CONTENT_MISMATCH | NONE' })),
});
const IdParam = Type.Object({ id: Type.String() });
const WaIdParam = Type.Object({ waId: Type.String() });

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

export async function registerControlRoutes(app: FastifyInstance, o: ControlRouteOptions): Promise<void> {
  const e = o.engine;
  const cp = o.controlPrefix;

  // Samples are public (examples fetch them as link media); everything else may be loopback-only.
  app.get(`${cp}/samples`, { schema: { tags, summary: 'List sample media files' } }, async (req) => {
    const base = o.publicBaseUrl() ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`;
    return { data: [...samples().values()].map((s) => ({ name: s.name, mime_type: s.mime, size: s.data.length, url: `${base}${cp}/samples/${s.name}` })) };
  });
  app.get<{ Params: { name: string } }>(
    `${cp}/samples/:name`,
    { schema: { tags, summary: 'Download a sample media file', params: Type.Object({ name: Type.String() }) } },
    async (req, reply) => {
      const s = samples().get(req.params.name);
      if (!s) throw new GraphError(100, `No sample named ${req.params.name}.`, { httpStatus: 404 });
      reply.header('content-type', s.mime);
      return reply.send(s.data);
    },
  );

  await app.register(async (ctl) => {
    if (o.loopbackOnly) {
      ctl.addHook('onRequest', async (req) => {
        if (!isLoopback(req.socket.remoteAddress)) throw new GraphError(10, 'The emulator control API is only available from loopback addresses.', { httpStatus: 403 });
      });
    }

    ctl.get(`${cp}`, { schema: { tags, summary: 'Emulator overview: numbers, virtual users, clock' } }, async () => ({
      clock: { now: e.clock.now().toISOString(), movable: e.clock.movable },
      graph_prefix: o.graphPrefix,
      numbers: e.numbers().map((n) => e.numberInfo(n)),
      users: e.users(),
    }));

    ctl.get(`${cp}/numbers`, { schema: { tags, summary: 'List business numbers (with their tokens and app secrets)' } }, async () => ({ data: e.numbers().map((n) => e.numberInfo(n)) }));

    ctl.post<{ Body: Static<typeof CreateNumber> }>(
      `${cp}/numbers`,
      { schema: { tags, summary: 'Create a business number (new WABA and portfolio unless waba_id/business_id is given)', body: CreateNumber } },
      async (req, reply) => {
        const b = req.body;
        if (b.callback_url && b.verify_callback !== false) await checkCallback(b.callback_url, b.verify_token ?? '');
        const info = e.createNumber({
          display_phone_number: b.display_phone_number, verified_name: b.verified_name, waba_id: b.waba_id, business_id: b.business_id,
          throughput_mps: b.throughput_mps, tier: b.tier as Tier | undefined, quality_rating: b.quality_rating as Quality | undefined,
          access_token: b.access_token, app_secret: b.app_secret,
        });
        if (b.callback_url) e.setCallback(info.phone_number_id, b.callback_url, b.verify_token ?? null);
        reply.code(201);
        return e.numberInfo(e.number(info.phone_number_id)!);
      },
    );

    ctl.get<{ Params: Static<typeof IdParam> }>(`${cp}/numbers/:id`, { schema: { tags, summary: 'Read a business number', params: IdParam } }, async (req) => {
      const n = e.number(req.params.id);
      if (!n) throw new GraphError(100, `Number ${req.params.id} does not exist.`, { httpStatus: 404 });
      return e.numberInfo(n);
    });

    ctl.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof PatchNumber> }>(
      `${cp}/numbers/:id`,
      { schema: { tags, summary: "Change a number's quality, throughput, portfolio tier, callback", params: IdParam, body: PatchNumber } },
      async (req) => {
        const b = req.body;
        const n = e.number(req.params.id);
        if (!n) throw new GraphError(100, `Number ${req.params.id} does not exist.`, { httpStatus: 404 });
        if (b.callback_url !== undefined) {
          if (b.callback_url && b.verify_callback !== false) await checkCallback(b.callback_url, b.verify_token ?? n.verify_token ?? '');
          e.setCallback(n.id, b.callback_url, b.verify_token ?? n.verify_token);
        }
        return e.updateNumber(n.id, {
          quality_rating: b.quality_rating as Quality | undefined, throughput_mps: b.throughput_mps, tier: b.tier as Tier | undefined,
          verified_name: b.verified_name, registered: b.registered, payment_valid: b.payment_valid,
        });
      },
    );

    ctl.get(`${cp}/users`, { schema: { tags, summary: 'List virtual users' } }, async () => ({ data: e.users() }));

    ctl.post<{ Body: Static<typeof CreateUser> }>(
      `${cp}/users`,
      { schema: { tags, summary: 'Create (or replace) a virtual user', body: CreateUser } },
      async (req, reply) => {
        reply.code(201);
        return e.createUser(req.body.wa_id, req.body.profile_name, (req.body.behaviour ?? {}) as Partial<Behaviour>);
      },
    );

    ctl.get<{ Params: Static<typeof WaIdParam> }>(`${cp}/users/:waId`, { schema: { tags, summary: 'Read a virtual user', params: WaIdParam } }, async (req) => {
      const u = e.user(req.params.waId);
      if (!u) throw new GraphError(100, `Virtual user ${req.params.waId} does not exist.`, { httpStatus: 404 });
      return e.userInfo(u);
    });

    ctl.patch<{ Params: Static<typeof WaIdParam>; Body: Static<typeof PatchUser> }>(
      `${cp}/users/:waId`,
      { schema: { tags, summary: "Change a virtual user's name or behaviour", params: WaIdParam, body: PatchUser } },
      async (req) => e.updateUser(req.params.waId, req.body as { profile_name?: string; behaviour?: Partial<Behaviour> }),
    );

    ctl.get<{ Params: Static<typeof WaIdParam>; Querystring: { phone_number_id?: string; all?: string } }>(
      `${cp}/users/:waId/chat`,
      {
        schema: {
          tags, summary: "Read a user's chat as their phone shows it", params: WaIdParam,
          querystring: Type.Object({ phone_number_id: Type.Optional(Type.String()), all: Type.Optional(Type.String({ description: '1: include messages that never reached the phone' })) }),
        },
      },
      async (req) => e.chat(req.params.waId, { numberId: req.query.phone_number_id, all: req.query.all === '1' || req.query.all === 'true' }),
    );

    ctl.post<{ Params: Static<typeof WaIdParam>; Body: Static<typeof UserSends> }>(
      `${cp}/users/:waId/messages`,
      { schema: { tags, summary: 'Make a virtual user send a message (any inbound type) to a business number', params: WaIdParam, body: UserSends } },
      async (req, reply) => {
        reply.code(201);
        return e.userSends(req.params.waId, req.body as Record<string, unknown>);
      },
    );

    ctl.get<{ Params: Static<typeof IdParam> }>(`${cp}/messages/:id`, { schema: { tags, summary: 'Read one message with its current status', params: IdParam } }, async (req) => {
      const m = e.message(req.params.id);
      if (!m) throw new GraphError(100, `Message ${req.params.id} does not exist.`, { httpStatus: 404 });
      const { body: _b, parsed, pricing, ...rest } = m;
      return { ...rest, body: parsed, pricing: pricing ? (JSON.parse(pricing) as unknown) : null };
    });

    ctl.get<{ Querystring: { waba_id?: string } }>(
      `${cp}/templates`,
      { schema: { tags, summary: 'List templates of every WABA (or one)', querystring: Type.Object({ waba_id: Type.Optional(Type.String()) }) } },
      async (req) => {
        const rows = req.query.waba_id
          ? e.store.all<TemplateRow>("SELECT * FROM templates WHERE waba_id = ? AND status != 'DELETED' ORDER BY created_at", req.query.waba_id)
          : e.store.all<TemplateRow>("SELECT * FROM templates WHERE status != 'DELETED' ORDER BY created_at");
        return { data: rows.map((t) => ({ ...e.templateJson(t), waba_id: t.waba_id, reason: t.reason })) };
      },
    );

    ctl.post<{ Params: Static<typeof IdParam>; Body: Static<typeof TemplateEvent> }>(
      `${cp}/templates/:id/events`,
      { schema: { tags, summary: 'Trigger a template review outcome or lifecycle event (sends message_template_status_update)', params: IdParam, body: TemplateEvent } },
      async (req) => e.triggerTemplateEvent(req.params.id, req.body.event.toUpperCase(), req.body.reason),
    );

    ctl.get(`${cp}/clock`, { schema: { tags, summary: "The emulator's clock" } }, async () => ({ now: e.clock.now().toISOString(), now_ms: e.clock.nowMs(), movable: e.clock.movable }));

    ctl.post<{ Body: Static<typeof Advance> }>(
      `${cp}/clock/advance`,
      { schema: { tags, summary: 'Move the clock forward (only with the test clock, SAMVAD_TEST_CLOCK=1)', body: Advance } },
      async (req) => {
        if (!e.clock.movable) throw new GraphError(10, 'The clock can be moved only when SAMVAD_TEST_CLOCK=1.', { httpStatus: 403 });
        const ms = (req.body.ms ?? 0) + (req.body.seconds ?? 0) * 1000 + (req.body.hours ?? 0) * 3_600_000;
        e.clock.advance(ms);
        await o.drain();
        return { now: e.clock.now().toISOString(), now_ms: e.clock.nowMs(), movable: true };
      },
    );

    ctl.get<{ Querystring: { state?: string; limit?: number } }>(
      `${cp}/webhooks`,
      {
        schema: {
          tags, summary: 'Recent webhook deliveries (pending, delivered, dead)',
          querystring: Type.Object({ state: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        },
      },
      async (req) => ({
        data: e.outbox(req.query.state, req.query.limit ?? 100).map((r) => ({ ...r, value: JSON.parse(r.value) as unknown })),
      }),
    );

    ctl.post(`${cp}/run`, { schema: { tags, summary: 'Run due work now (status steps, replies, reviews, webhook deliveries)' } }, async () => {
      await o.drain();
      return { success: true };
    });
  });
}

async function checkCallback(url: string, token: string): Promise<void> {
  const r = await verifyCallback(url, token);
  if (!r.ok) throw new GraphError(100, `The callback URL or verify token couldn't be validated. ${r.reason ?? ''}`.trim());
}
