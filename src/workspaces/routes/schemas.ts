import { Type } from '@sinclair/typebox';
import { PLANS, ROLES } from '../plans.ts';

export const WorkspaceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  plan: Type.String({ enum: [...PLANS] }),
  timeZone: Type.String(),
  rateLimitPerMinute: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const ApiKeySchema = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  name: Type.String(),
  role: Type.String({ enum: [...ROLES] }),
  hint: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const CreatedApiKeySchema = Type.Composite([
  ApiKeySchema,
  Type.Object({ key: Type.String({ description: 'Send as Authorization: Basic <key>. Shown once.' }) }),
]);

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    role: Type.Optional(Type.String({ enum: [...ROLES] })),
  },
  { additionalProperties: false },
);

export const CreateWorkspaceBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    plan: Type.Optional(Type.String({ enum: [...PLANS] })),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    rateLimitPerMinute: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const UpdateWorkspaceBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    plan: Type.Optional(Type.String({ enum: [...PLANS] })),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    rateLimitPerMinute: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** Workspace settings a workspace's own admin may change (plan and limits are the operator's). */
export const UpdateOwnWorkspaceBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
