import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http-context.ts';
import { principalOf } from './plugin.ts';

/**
 * A no-op that goes through everything a real /v1/public call does (key, plan, rate limit, body
 * validation): integrators use it to check a key; the benchmark uses it to measure the overhead
 * of the public surface against a bare route validating the same schema.
 */
export const PingBody = Type.Object(
  {
    countryCode: Type.Optional(Type.String({ pattern: '^\\+?[0-9]{1,4}$' })),
    phoneNumber: Type.Optional(Type.String({ pattern: '^[0-9]{4,15}$' })),
    fullPhoneNumber: Type.Optional(Type.String({ pattern: '^\\+?[0-9]{6,18}$' })),
    callbackData: Type.Optional(Type.String({ maxLength: 512 })),
    type: Type.Optional(Type.String({ maxLength: 32 })),
    data: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: true },
);
export type PingBody = Static<typeof PingBody>;

const PingReply = Type.Object({
  result: Type.Boolean(),
  message: Type.String(),
  workspace: Type.Object({ id: Type.String(), name: Type.String(), plan: Type.String() }),
});

export function registerPing(app: FastifyInstance, _ctx: AppContext) {
  const schema = { tags: ['public'], summary: 'Check the API key (no-op)', security: [{ apiKey: [] }], response: { 200: PingReply } };
  const handler = async (request: { principal?: unknown }) => {
    const { workspace } = principalOf(request);
    return { result: true, message: 'pong', workspace: { id: workspace.id, name: workspace.name, plan: workspace.plan } };
  };
  app.get('/ping/', { schema }, handler);
  app.post<{ Body: PingBody }>('/ping/', { schema: { ...schema, body: PingBody } }, handler);
}
