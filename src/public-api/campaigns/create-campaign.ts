import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createCampaign } from '../../campaigns/create-campaign.ts';
import type { AppContext } from '../../http-context.ts';
import { AppError } from '../../platform/errors.ts';
import { principalOf } from '../plugin.ts';

/** Interakt's exact success string (sic: "Created created", integrators match on it). */
export const API_CAMPAIGN_CREATED = 'Api Campaign Created created successfully';

const Body = Type.Object(
  {
    campaign_name: Type.String({ minLength: 1, maxLength: 255 }),
    campaign_type: Type.String({ maxLength: 32, description: 'PublicAPI (the only type Interakt creates through the API).' }),
    template_name: Type.String({ minLength: 1, maxLength: 512 }),
    language_code: Type.String({ minLength: 2, maxLength: 16 }),
  },
  { additionalProperties: true },
);
const Reply = Type.Object({ result: Type.Boolean(), message: Type.String(), data: Type.Object({ campaignId: Type.String(), name: Type.String(), type: Type.String() }) });

/**
 * POST /v1/public/create-campaign/ — Interakt's API campaign: a label whose id template sends
 * pass as `campaignId` to group their analytics (progress on GET /api/v1/campaigns/{id}).
 */
export function registerCreateCampaign(app: FastifyInstance, ctx: AppContext) {
  const handler = async (request: { body: Static<typeof Body>; principal?: unknown }, reply: { code(n: number): { send(b: unknown): unknown } }) => {
    const { workspace } = principalOf(request);
    const b = request.body;
    if (b.campaign_type !== 'PublicAPI') throw new AppError('bad_request', `campaign_type must be "PublicAPI" (got "${b.campaign_type}"); broadcasts are created on /api/v1/campaigns`);
    const { campaign } = await createCampaign({ database: ctx.database, clock: ctx.clock, templateRefresher: ctx.templateRefresher }, workspace.id, {
      name: b.campaign_name,
      type: 'PublicAPI',
      templateName: b.template_name,
      languageCode: b.language_code,
    });
    return reply.code(201).send({ result: true, message: API_CAMPAIGN_CREATED, data: { campaignId: campaign.id, name: campaign.name, type: 'PublicAPI' } });
  };
  const schema = {
    tags: ['public'],
    summary: 'Create an API campaign (Interakt-compatible)',
    description: `Answers 201 {result: true, message: "${API_CAMPAIGN_CREATED}", data: {campaignId, name, type}}. The template must exist (approved) in the default number's WABA. Pass campaignId in template sends to group them.`,
    security: [{ apiKey: [] }],
    body: Body,
    response: { 201: Reply },
  };
  app.post<{ Body: Static<typeof Body> }>('/create-campaign/', { schema }, handler as never);
}
