import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkTags, checkTraits } from '../../contacts/traits/trait-values.ts';
import { CONTACT_LIMITS } from '../../contacts/limits.ts';
import { parsePhoneInput, type ParsedPhone } from '../../contacts/phone.ts';
import { trackUserCoalesced } from '../../contacts/track/track-users-batch.ts';
import { trackEventCoalesced } from '../../contacts/track/track-events-batch.ts';
import { findCustomerById, findCustomersByPhone, getUsers, GET_USERS_MAX_LIMIT, type UserFilter } from '../../contacts/get-users.ts';
import { isoDateMs } from '../../contacts/traits/trait-values.ts';
import type { AppContext } from '../../http-context.ts';
import { AppError } from '../../platform/errors.ts';
import { principalOf } from '../plugin.ts';

const Identity = {
  userId: Type.Optional(Type.String({ maxLength: CONTACT_LIMITS.userIdChars, description: 'Your own id for this customer. Identifies an existing customer when no phone is sent.' })),
  fullPhoneNumber: Type.Optional(Type.String({ maxLength: 32, description: 'Country code and number, digits only: "919876543210".' })),
  countryCode: Type.Optional(Type.String({ maxLength: 8, description: 'With phoneNumber: "+91".' })),
  phoneNumber: Type.Optional(Type.String({ maxLength: 32, description: 'With countryCode: the national number without country code or leading 0.' })),
  createdAt: Type.Optional(Type.String({ maxLength: 40, description: 'ISO-8601 UTC, e.g. "2025-03-27T13:26:52.926Z".' })),
};

export const TrackUserBody = Type.Object(
  {
    ...Identity,
    traits: Type.Optional(
      Type.Object({}, {
        additionalProperties: true,
        description: `Flat object: strings (≤${CONTACT_LIMITS.valueBytes} bytes; newlines allowed), numbers, booleans, ISO dates, or null to remove the trait. Keys ≤${CONTACT_LIMITS.keyChars} characters, ≤${CONTACT_LIMITS.traitsPerRequest} per request and per contact. Reserved: name (the contact's name), whatsapp_opted_in (true/false opts in or out of marketing), email.`,
      }),
    ),
    tags: Type.Optional(Type.Array(Type.String(), { description: `Added to the contact's tags (≤${CONTACT_LIMITS.tagsPerRequest} per request, each ≤${CONTACT_LIMITS.tagChars} characters).` })),
    add_to_sales_cycle: Type.Optional(Type.Boolean({ description: 'Accepted for compatibility; Samvad has no sales pipeline and ignores it.' })),
  },
  { additionalProperties: true },
);
export const TrackEventBody = Type.Object(
  {
    ...Identity,
    event: Type.String({ maxLength: CONTACT_LIMITS.eventNameChars, description: 'Event name, e.g. "Order Placed".' }),
    traits: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'Event properties (any JSON values).' })),
  },
  { additionalProperties: true },
);
const Filter = Type.Object(
  {
    trait: Type.String({ minLength: 1, maxLength: CONTACT_LIMITS.keyChars }),
    op: Type.String({ description: 'eq, ne, gt, gte, lt, lte, contains, in (Samvad also: exists, not_exists)' }),
    val: Type.Optional(Type.Unknown({ description: 'A string, number, boolean or ISO date; an array for "in".' })),
    supr_op: Type.Optional(Type.String({ description: 'and | or: joins this filter to the ones before it (left to right; default and).' })),
  },
  { additionalProperties: true },
);
const GetUsersBody = Type.Object({ filters: Type.Optional(Type.Array(Filter, { maxItems: 50 })) }, { additionalProperties: true });
const GetUsersQuery = Type.Object({
  offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: 'Default 0.' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: `1–${GET_USERS_MAX_LIMIT}, default ${GET_USERS_MAX_LIMIT}.` })),
});

const Customer = Type.Object(
  {
    id: Type.String(),
    phone_number: Type.String(),
    country_code: Type.String(),
    channel_phone_number: Type.String(),
    user_id: Type.Union([Type.String(), Type.Null()]),
    created_at_utc: Type.String(),
    modified_at_utc: Type.String(),
    traits: Type.Object({}, { additionalProperties: true }),
    tags: Type.Array(Type.String()),
    tag_names: Type.Array(Type.String()),
  },
  { additionalProperties: true },
);
const UsersReply = Type.Object({
  result: Type.Boolean(),
  message: Type.String(),
  data: Type.Object({ total_customers: Type.Integer(), offset: Type.Integer(), limit: Type.Integer(), has_next_page: Type.Boolean(), customers: Type.Array(Customer) }),
});
const Ok = Type.Object({ result: Type.Boolean(), message: Type.String() });
const OkId = Type.Object({ result: Type.Boolean(), message: Type.String(), id: Type.String() });
const security = [{ apiKey: [] }];

/** Refuses a body over the track limit with a 400 before it is read (a chunked body meets the route's bodyLimit: 413). */
async function limitBody(request: FastifyRequest) {
  const len = Number(request.headers['content-length'] ?? 0);
  if (len > CONTACT_LIMITS.bodyBytes) throw new AppError('validation_failed', `Request body is ${len} bytes; track requests are at most ${CONTACT_LIMITS.bodyBytes} bytes (32 KB)`);
}

function phoneOf(body: { fullPhoneNumber?: string | undefined; countryCode?: string | undefined; phoneNumber?: string | undefined; userId?: string | undefined }): ParsedPhone | undefined {
  const any = [body.fullPhoneNumber, body.countryCode, body.phoneNumber].some((v) => v !== undefined && v !== '');
  if (!any) {
    if (!body.userId) throw new AppError('validation_failed', 'userId or a phone number (fullPhoneNumber, or countryCode and phoneNumber) is required', [{ field: 'userId' }]);
    return undefined;
  }
  return parsePhoneInput(body);
}

function createdAtOf(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const ms = isoDateMs(v.trim());
  if (ms === null) throw new AppError('validation_failed', 'createdAt must be an ISO-8601 date-time, e.g. "2025-03-27T13:26:52.926Z"', [{ field: 'createdAt' }]);
  return ms;
}

/** Interakt's track and user-retrieval APIs (reference §5) on /v1/public. */
export function registerTrackRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post<{ Body: Static<typeof TrackUserBody> }>(
    '/track/users/',
    {
      onRequest: limitBody,
      bodyLimit: CONTACT_LIMITS.bodyBytes,
      schema: {
        tags: ['public'],
        summary: 'Track a user: create or update a customer (Interakt-compatible)',
        description: 'Answers 202 `{result: true, message: "Customer with <id> updated successfully"}`. Identity: phone (fullPhoneNumber, or countryCode + phoneNumber) or an existing userId. Traits replace per key; null removes; tags are added. 400 `{result: false, message}` naming the field for bad input (limits in the README).',
        security,
        body: TrackUserBody,
        response: { 202: Ok },
      },
    },
    async (request, reply) => {
      const { workspace } = principalOf(request);
      const body = request.body;
      const phone = phoneOf(body);
      const traits = checkTraits(body.traits);
      const tags = checkTags(body.tags);
      const tracked = await trackUserCoalesced(ctx.database, ctx.clock, { workspaceId: workspace.id, userId: body.userId || undefined, phone, traits, tags, createdAt: createdAtOf(body.createdAt), source: 'api' });
      return reply.code(202).send({ result: true, message: `Customer with ${tracked.contactId} updated successfully` });
    },
  );
  app.post<{ Body: Static<typeof TrackEventBody> }>(
    '/track/events/',
    {
      onRequest: limitBody,
      bodyLimit: CONTACT_LIMITS.bodyBytes,
      schema: {
        tags: ['public'],
        summary: "Track an event on a customer's timeline (Interakt-compatible)",
        description: 'Answers 201 `{result: true, message: "Event created successfully", id}`. Events append and never replace. An unknown phone creates the customer; an unknown userId without a phone is a 400.',
        security,
        body: TrackEventBody,
        response: { 201: OkId },
      },
    },
    async (request, reply) => {
      const { workspace } = principalOf(request);
      const body = request.body;
      const phone = phoneOf(body);
      const r = await trackEventCoalesced(ctx.database, ctx.clock, { workspaceId: workspace.id, userId: body.userId || undefined, phone, event: body.event, properties: body.traits, occurredAt: createdAtOf(body.createdAt) });
      return reply.code(201).send({ result: true, message: 'Event created successfully', id: r.id });
    },
  );
  app.post<{ Body: Static<typeof GetUsersBody>; Querystring: Static<typeof GetUsersQuery> }>(
    '/apis/users/',
    {
      schema: {
        tags: ['public'],
        summary: 'Get users with filters (Interakt-compatible)',
        description: `Filters on traits and on created_at_utc / modified_at_utc (ISO dates), phone_number, country_code, name, user_id, id, whatsapp_opted_in, tags. op: eq ne gt gte lt lte contains in (plus exists, not_exists). supr_op (and/or) joins a filter to the ones before it, left to right. limit ≤ ${GET_USERS_MAX_LIMIT}.`,
        security,
        querystring: GetUsersQuery,
        body: GetUsersBody,
        response: { 200: UsersReply },
      },
    },
    async (request) => {
      const { workspace } = principalOf(request);
      const offset = Number(request.query.offset ?? 0);
      const limit = Number(request.query.limit ?? GET_USERS_MAX_LIMIT);
      const data = await getUsers(ctx.database.db, workspace.id, (request.body?.filters ?? []) as UserFilter[], offset, limit, ctx.clock.nowMs());
      return { result: true, message: 'Customers', data };
    },
  );
  const single = (customers: Static<typeof Customer>[]) => ({ result: true, message: 'Customers', data: { total_customers: customers.length, offset: 0, limit: GET_USERS_MAX_LIMIT, has_next_page: false, customers } });
  app.get<{ Params: { phone: string } }>(
    '/apis/users/phone_number/:phone',
    { schema: { tags: ['public'], summary: 'Get a user by phone number (national number, without country code)', security, params: Type.Object({ phone: Type.String({ maxLength: 32 }) }), response: { 200: UsersReply } } },
    async (request) => {
      const { workspace } = principalOf(request);
      const found = await findCustomersByPhone(ctx.database.db, workspace.id, request.params.phone);
      if (found.length === 0) throw new AppError('not_found', 'Customer not found');
      return single(found);
    },
  );
  app.get<{ Params: { id: string } }>(
    '/apis/users/id/:id',
    { schema: { tags: ['public'], summary: "Get a user by Samvad's customer id", security, params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: UsersReply } } },
    async (request) => {
      const { workspace } = principalOf(request);
      const found = await findCustomerById(ctx.database.db, workspace.id, request.params.id);
      if (!found) throw new AppError('not_found', 'Customer not found');
      return single([found]);
    },
  );
}
