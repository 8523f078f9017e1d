import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../../platform/clock.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { Principal } from '../../../workspaces/authenticate-key.ts';
import { AppError } from '../../../platform/errors.ts';
import type { SecretBox } from '../secret-box.ts';
import type { WhatsAppChannel } from '../types.ts';
import type { Dispatcher } from 'undici';
import { TIERS } from './business-number.ts';
import { addNumber, getNumber, listNumbers, removeNumber, resumeNumberDispatch, updateNumber } from './manage-numbers.ts';
import { testNumber } from './test-number.ts';

const security = [{ apiKey: [] }];
const tags = ['numbers'];

export const BusinessNumberSchema = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  phoneNumberId: Type.String({ description: "Meta's phone-number id" }),
  wabaId: Type.String(),
  businessId: Type.String({ description: 'Business portfolio id (the messaging-limit budget is per portfolio)' }),
  displayPhoneNumber: Type.String(),
  verifiedName: Type.Union([Type.String(), Type.Null()]),
  graphBaseUrl: Type.String(),
  throughputMps: Type.Integer(),
  messagingLimitTier: Type.String(),
  qualityRating: Type.Union([Type.String(), Type.Null()]),
  isDefault: Type.Boolean(),
  isSandbox: Type.Boolean(),
  hasAccessToken: Type.Boolean({ description: 'Secrets are never returned, only whether they are set' }),
  hasAppSecret: Type.Boolean(),
  hasVerifyToken: Type.Boolean(),
  dispatchPaused: Type.Boolean({ description: 'An account-level error paused sending from this number until resumed' }),
  dispatchPausedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  dispatchPauseReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const graphId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z_-]+$' });
const secret = Type.String({ minLength: 8, maxLength: 4096 });
const common = {
  wabaId: graphId,
  businessId: Type.Optional(graphId),
  displayPhoneNumber: Type.String({ minLength: 5, maxLength: 32 }),
  verifiedName: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  accessToken: secret,
  appSecret: secret,
  verifyToken: Type.Optional({ ...secret, description: "The token Meta's webhook handshake presents (you choose it; enter the same in Meta's dashboard). Required when adding." }),
  graphBaseUrl: Type.Optional(Type.String({ format: 'uri', description: 'Default https://graph.facebook.com/v21.0' })),
  throughputMps: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Default 80' })),
  messagingLimitTier: Type.Optional(Type.String({ enum: [...TIERS] })),
  isDefault: Type.Optional(Type.Boolean()),
};

export const AddNumberBody = Type.Object({ phoneNumberId: graphId, ...common, verifyToken: secret }, { additionalProperties: false });
export const UpdateNumberBody = Type.Partial(Type.Object(common), { additionalProperties: false, minProperties: 1 });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const MetaErrorSchema = Type.Object({
  code: Type.Integer(),
  title: Type.String(),
  message: Type.Optional(Type.String()),
  details: Type.Optional(Type.String()),
  subcode: Type.Optional(Type.Integer()),
  fbtraceId: Type.Optional(Type.String()),
  httpStatus: Type.Optional(Type.Integer()),
});
const TestReportSchema = Type.Object({
  numberId: Type.String(),
  ok: Type.Boolean(),
  checks: Type.Array(
    Type.Object({
      name: Type.String(),
      result: Type.String({ enum: ['ok', 'warning', 'failed'] }),
      message: Type.String(),
      error: Type.Optional(MetaErrorSchema),
    }),
  ),
  phoneNumber: Type.Union([
    Type.Object({
      id: Type.String(),
      displayPhoneNumber: Type.String(),
      verifiedName: Type.Union([Type.String(), Type.Null()]),
      qualityRating: Type.Union([Type.String(), Type.Null()]),
      throughputLevel: Type.Union([Type.String(), Type.Null()]),
      messagingLimitTier: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
});

export interface NumberRouteDeps {
  database: Database;
  clock: Clock;
  secrets: SecretBox;
  channel: WhatsAppChannel & { dispatcher?: Dispatcher };
  /** Called after a pause is cleared (wakes the number's dispatcher). */
  onResume?: (numberId: string) => void;
}

function workspaceOf(request: { principal?: unknown }): string {
  const p = request.principal as Principal | undefined;
  if (!p) throw new AppError('unauthorized', 'Not authenticated');
  return p.workspace.id;
}

/** /api/v1/numbers: agents read, admins change. Register inside the native API scope (its auth hook). */
export function registerNumberRoutes(app: FastifyInstance, deps: NumberRouteDeps): void {
  app.get(
    '/numbers',
    { config: { access: 'agent' }, schema: { tags, summary: "The workspace's WhatsApp business numbers (secrets are never shown)", security, response: { 200: Type.Object({ data: Type.Array(BusinessNumberSchema) }) } } },
    async (request) => ({ data: await listNumbers(deps.database, workspaceOf(request)) }),
  );
  app.post<{ Body: Static<typeof AddNumberBody> }>(
    '/numbers',
    { config: { access: 'admin' }, schema: { tags, summary: 'Connect a WhatsApp business number (the first becomes the default)', security, body: AddNumberBody, response: { 201: BusinessNumberSchema } } },
    async (request, reply) => reply.code(201).send(await addNumber(deps.database, deps.clock, deps.secrets, workspaceOf(request), request.body)),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/numbers/:id',
    { config: { access: 'agent' }, schema: { tags, summary: 'One business number', security, params: IdParams, response: { 200: BusinessNumberSchema } } },
    async (request) => getNumber(deps.database, workspaceOf(request), request.params.id),
  );
  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UpdateNumberBody> }>(
    '/numbers/:id',
    { config: { access: 'admin' }, schema: { tags, summary: 'Change a number (rotate its token or secrets, throughput, default)', security, params: IdParams, body: UpdateNumberBody, response: { 200: BusinessNumberSchema } } },
    async (request) => updateNumber(deps.database, deps.clock, deps.secrets, workspaceOf(request), request.params.id, request.body),
  );
  app.delete<{ Params: Static<typeof IdParams> }>(
    '/numbers/:id',
    { config: { access: 'admin' }, schema: { tags, summary: 'Disconnect a number (refused while messages are queued on it)', security, params: IdParams, response: { 200: BusinessNumberSchema } } },
    async (request) => removeNumber(deps.database, deps.clock, workspaceOf(request), request.params.id),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/numbers/:id/test',
    { config: { access: 'admin' }, schema: { tags, summary: 'Check the token and number (GET /{phone-number-id}) and the WABA subscription (subscribed_apps)', security, params: IdParams, response: { 200: TestReportSchema } } },
    async (request) => testNumber(deps.database, deps.clock, deps.secrets, deps.channel, workspaceOf(request), request.params.id),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/numbers/:id/resume',
    { config: { access: 'admin' }, schema: { tags, summary: 'Resume dispatch after an account-level error paused it', security, params: IdParams, response: { 200: BusinessNumberSchema } } },
    async (request) => {
      const n = await resumeNumberDispatch(deps.database, deps.clock, workspaceOf(request), request.params.id);
      deps.onResume?.(n.id);
      return n;
    },
  );
}
