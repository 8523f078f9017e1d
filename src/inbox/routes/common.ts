import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { principalOf } from '../../public-api/plugin.ts';
import { isSessionPrincipal } from '../../workspaces/people/index.ts';
import type { Actor } from '../assignment.ts';

export const security = [{ apiKey: [] }];
export const tags = ['inbox'];
export const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** The signed-in user, or the API key, that makes a change. */
export function actorOf(request: FastifyRequest): { userId: string } | { keyId: string } {
  const p = principalOf(request);
  return isSessionPrincipal(p) ? { userId: p.user.id } : { keyId: p.keyId };
}

export type { Actor };

export const StateSchema = Type.Object({
  conversationId: Type.String(),
  status: Type.String({ enum: ['open', 'closed'] }),
  assigneeId: Type.Union([Type.String(), Type.Null()]),
  teamId: Type.Union([Type.String(), Type.Null()]),
  assignedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  openedAt: Type.String({ format: 'date-time' }),
  closedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
