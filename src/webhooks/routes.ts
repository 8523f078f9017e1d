import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http-context.ts';
import { AppError } from '../platform/errors.ts';
import { principalOf } from '../public-api/plugin.ts';
import { EVENT_DESCRIPTIONS, EVENT_TYPES } from './catalogue.ts';
import { getDelivery, listDeliveries, listNotices, redeliverOne, redeliverRange } from './deliveries.ts';
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, updateEndpoint } from './endpoints.ts';
import { readFeed } from './feed.ts';

const security = [{ apiKey: [] }];
const tags = ['webhooks'];
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const EventList = Type.Array(Type.String({ enum: [...EVENT_TYPES] as string[] }), { maxItems: EVENT_TYPES.length, description: 'Event types to receive; empty or omitted: all' });
const CreateBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'https URL receiving POSTs; private and loopback addresses are refused unless the operator allows them' }),
    secret: Type.Optional(Type.String({ minLength: 8, maxLength: 256, description: "Interakt's Secret Key (HMAC key); generated when omitted and answered once" })),
    events: Type.Optional(EventList),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    secret: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
    events: Type.Optional(EventList),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')], { description: 'active re-enables a disabled endpoint; its pending deliveries resume' })),
  },
  { additionalProperties: false },
);
const DeliveriesQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])),
  // Query values arrive as strings (the native API's validator does not coerce): digits, checked in the handler.
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'Page size, 1 to 200 (default 50)' })),
  before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$', description: '`next` of the previous page' })),
});
const RedeliverBody = Type.Object(
  {
    scope: Type.Union([Type.Literal('failed'), Type.Literal('all')], { description: 'failed: dead-lettered deliveries of the range; all: every event of the range (a receiver that lost data)' }),
    from: Type.Integer({ minimum: 0, description: 'Start of the range, ms since the epoch' }),
    to: Type.Optional(Type.Integer({ minimum: 0, description: 'End of the range (default now)' })),
  },
  { additionalProperties: false },
);
const FeedQuery = Type.Object({
  after: Type.Optional(Type.String({ maxLength: 64, description: 'The cursor of the previous answer; omitted: from the oldest kept event' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'Page size, 1 to 1000 (default 100)' })),
  types: Type.Optional(Type.String({ maxLength: 1000, description: 'Comma-separated event types' })),
});

function pageSize(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (n < 1 || n > max) throw new AppError('validation_failed', `limit must be from 1 to ${max}`);
  return n;
}

/** Webhook endpoints, their delivery log and replay, the event catalogue and the polling feed (native API). */
export function registerWebhookRoutes(app: FastifyInstance, ctx: AppContext) {
  const deps = () => ({ database: ctx.database, clock: ctx.clock, allowPrivate: ctx.config.webhooks.allowPrivate, secrets: ctx.whatsapp.secrets });
  const ws = (request: { principal?: unknown }) => principalOf(request).workspace.id;

  app.get('/webhooks/event-types', { schema: { tags, summary: 'The event types Samvad emits (Interakt\'s catalogue)', security } }, async () => ({
    data: EVENT_TYPES.map((type) => ({ type, description: EVENT_DESCRIPTIONS[type] })),
  }));
  app.post<{ Body: Static<typeof CreateBody> }>(
    '/webhooks/endpoints',
    { schema: { tags, summary: 'Create a webhook endpoint (the secret is answered once)', security, body: CreateBody } },
    async (request, reply) => reply.status(201).send(await createEndpoint(deps(), ws(request), request.body)),
  );
  app.get('/webhooks/endpoints', { schema: { tags, summary: 'List webhook endpoints', security } }, async (request) => ({ data: await listEndpoints(ctx.database, ws(request)) }));
  app.get<{ Params: Static<typeof Id> }>('/webhooks/endpoints/:id', { schema: { tags, summary: 'One webhook endpoint', security, params: Id } }, async (request) =>
    getEndpoint(ctx.database, ws(request), request.params.id),
  );
  app.patch<{ Params: Static<typeof Id>; Body: Static<typeof UpdateBody> }>(
    '/webhooks/endpoints/:id',
    { schema: { tags, summary: 'Change URL, secret, event types; disable or re-enable', security, params: Id, body: UpdateBody } },
    async (request) => updateEndpoint(deps(), ws(request), request.params.id, request.body),
  );
  app.delete<{ Params: Static<typeof Id> }>('/webhooks/endpoints/:id', { schema: { tags, summary: 'Delete an endpoint and its pending deliveries', security, params: Id } }, async (request, reply) => {
    await deleteEndpoint(ctx.database, ws(request), request.params.id);
    return reply.status(204).send();
  });
  app.get<{ Params: Static<typeof Id>; Querystring: Static<typeof DeliveriesQuery> }>(
    '/webhooks/endpoints/:id/deliveries',
    { schema: { tags, summary: "An endpoint's delivery log, newest first: status, attempts, last response code and time, next attempt", security, params: Id, querystring: DeliveriesQuery } },
    async (request) =>
      listDeliveries(ctx.database, ws(request), request.params.id, {
        limit: pageSize(request.query.limit, 50, 200),
        ...(request.query.status ? { status: request.query.status } : {}),
        ...(request.query.before !== undefined ? { before: Number(request.query.before) } : {}),
      }),
  );
  app.post<{ Params: Static<typeof Id>; Body: Static<typeof RedeliverBody> }>(
    '/webhooks/endpoints/:id/redeliver',
    { schema: { tags, summary: 'Redeliver the failed deliveries of a time range, or every event since a time', security, params: Id, body: RedeliverBody } },
    async (request, reply) => reply.status(202).send(await redeliverRange(ctx.database, ctx.clock, ws(request), request.params.id, request.body)),
  );
  app.get<{ Params: Static<typeof Id> }>('/webhooks/deliveries/:id', { schema: { tags, summary: 'One delivery with the body that was (or will be) sent', security, params: Id } }, async (request) =>
    getDelivery(ctx.database, ws(request), request.params.id),
  );
  app.post<{ Params: Static<typeof Id> }>(
    '/webhooks/deliveries/:id/redeliver',
    { schema: { tags, summary: 'Send this delivery\'s event again (same X-Samvad-Event-Id)', security, params: Id } },
    async (request, reply) => reply.status(202).send(await redeliverOne(ctx.database, ctx.clock, ws(request), request.params.id)),
  );
  app.get('/webhooks/notices', { schema: { tags, summary: 'Notices for the workspace (an endpoint disabled after failing continuously)', security } }, async (request) => ({
    data: await listNotices(ctx.database, ws(request)),
  }));
  app.get<{ Querystring: Static<typeof FeedQuery> }>(
    '/events',
    { schema: { tags, summary: 'Polling alternative to webhooks: the same events, in commit order, after a cursor', security, querystring: FeedQuery } },
    async (request) => {
      const types = request.query.types ? request.query.types.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      return readFeed(ctx.database, ws(request), request.query.after, pageSize(request.query.limit, 100, 1000), types);
    },
  );
}
