import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http-context.ts';
import { AppError } from '../platform/errors.ts';

const security = [{ adminToken: [] }];

const DeadJobSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  payload: Type.Unknown(),
  workspaceId: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  uniqueKey: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  deadAt: Type.String({ format: 'date-time' }),
});

const DeadQuery = Type.Object(
  {
    kind: Type.Optional(Type.String({ maxLength: 100 })),
    workspaceId: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

/** The operator's view of the job queue: counts, dead jobs, and retrying them. */
export function registerAdminJobRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(
    '/admin/jobs',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['admin'],
        summary: 'Job counts by state',
        security,
        response: { 200: Type.Object({ ready: Type.Integer(), running: Type.Integer(), dead: Type.Integer() }) },
      },
    },
    async () => ctx.queue.counts(),
  );

  app.get<{ Querystring: Static<typeof DeadQuery> }>(
    '/admin/jobs/dead',
    {
      config: { access: 'operator' },
      schema: { tags: ['admin'], summary: 'Jobs that exhausted their attempts', security, querystring: DeadQuery, response: { 200: Type.Object({ data: Type.Array(DeadJobSchema) }) } },
    },
    async (request) => {
      const jobs = await ctx.queue.listDead({
        ...(request.query.kind ? { kind: request.query.kind } : {}),
        ...(request.query.workspaceId ? { workspaceId: request.query.workspaceId } : {}),
        ...(request.query.limit ? { limit: request.query.limit } : {}),
      });
      return { data: jobs.map((j) => ({ ...j, createdAt: new Date(j.createdAt).toISOString(), deadAt: new Date(j.deadAt).toISOString() })) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/admin/jobs/dead/:id/retry',
    {
      config: { access: 'operator' },
      schema: { tags: ['admin'], summary: 'Run a dead job again (its attempts start over)', security, params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Type.Object({ retried: Type.Boolean() }) } },
    },
    async (request) => {
      if (!(await ctx.queue.retryDead(request.params.id))) throw new AppError('not_found', `No dead job ${request.params.id}`);
      return { retried: true };
    },
  );
}
