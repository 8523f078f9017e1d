import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http-context.ts';
import { AppError } from '../platform/errors.ts';
import { principalOf } from '../public-api/plugin.ts';
import { rowsFromCsv, RETARGET_STATES } from './audience.ts';
import { toCampaign } from './campaign.ts';
import { appendAudienceRows, createCampaign, deleteDraft, type CreateCampaignInput } from './create-campaign.ts';
import { campaignProgress } from './progress/campaign-progress.ts';
import { cancelCampaign, loadCampaign, pauseCampaign, resumeCampaign, retryFailed, type ControlDeps } from './run/control.ts';
import { wakeCampaignRunners } from './run/campaign-runner.ts';
import { startCampaign, type StartDeps } from './run/start-campaign.ts';
import { parseStartTime } from './schedule-time.ts';
import { getWorkspaceTimeZone } from './workspace-port.ts';

const Source = Type.Object(
  {
    trait: Type.Optional(Type.String({ maxLength: 255, description: 'A contact trait; `name` and `phone` work too.' })),
    column: Type.Optional(Type.String({ maxLength: 255, description: 'A column of the uploaded CSV.' })),
    value: Type.Optional(Type.String({ maxLength: 2000, description: 'A fixed value.' })),
    fallback: Type.Optional(Type.String({ maxLength: 2000, description: 'Used when the trait or column is missing or empty for a recipient.' })),
  },
  { additionalProperties: false },
);
const Mapping = Type.Object(
  {
    header: Type.Optional(Type.Array(Source, { maxItems: 10 })),
    body: Type.Optional(Type.Array(Source, { maxItems: 100 })),
    buttons: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9]$' }), Type.Array(Source, { maxItems: 1 }))),
    fileName: Type.Optional(Type.String({ maxLength: 240 })),
  },
  { additionalProperties: false, description: "Where each template variable's value comes from, in the order the variables appear." },
);
const Condition = Type.Object({
  trait: Type.String({ minLength: 1, maxLength: 255 }),
  op: Type.Union(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists', 'not_exists'].map((o) => Type.Literal(o))),
  value: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
});
const Audience = Type.Object(
  {
    phones: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { description: 'Full numbers with country code ("919876543210"; "+" allowed).' })),
    csv: Type.Optional(Type.String({ description: 'CSV text with a header row: a phone column and any variable columns.' })),
    phoneColumn: Type.Optional(Type.String({ maxLength: 255, description: 'The CSV column holding the phone (default "phone").' })),
    tag: Type.Optional(Type.String({ maxLength: 255 })),
    segmentId: Type.Optional(Type.String({ maxLength: 64 })),
    retarget: Type.Optional(Type.Object({ campaignId: Type.String({ maxLength: 64 }), state: Type.Union(RETARGET_STATES.map((s) => Type.Literal(s))) })),
  },
  { additionalProperties: false, description: 'One of: phones, csv, tag, segmentId, retarget (a previous campaign\'s recipients in a state).' },
);
export const CreateCampaignBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    type: Type.Optional(Type.Union([Type.Literal('Broadcast'), Type.Literal('PublicAPI'), Type.Literal('Ongoing')], { description: 'Broadcast (default), PublicAPI (groups API sends carrying campaignId), Ongoing (event-triggered).' })),
    templateName: Type.String({ minLength: 1, maxLength: 512 }),
    languageCode: Type.String({ minLength: 2, maxLength: 16 }),
    phoneNumberId: Type.Optional(Type.String({ maxLength: 64, description: "Meta's phone-number id of the sending number (default: the workspace's default number)." })),
    audience: Type.Optional(Audience),
    variables: Type.Optional(Mapping),
    trackedLinks: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9]$' }), Type.String({ maxLength: 2000 }), { description: 'Button index → the brand link a tracked URL button (…/r/{{1}}) redirects to.' })),
    conversion: Type.Optional(Type.Object({ event: Type.String({ minLength: 1, maxLength: 255 }), windowHours: Type.Number({ exclusiveMinimum: 0, maximum: 2160 }) })),
    trigger: Type.Optional(
      Type.Object({ event: Type.String({ minLength: 1, maxLength: 255 }), delayMinutes: Type.Number({ minimum: 0, maximum: 43200 }), conditions: Type.Optional(Type.Array(Condition, { maxItems: 20 })), stopIf: Type.Optional(Type.String({ maxLength: 255 })) }),
    ),
    startAt: Type.Optional(Type.String({ maxLength: 40, description: '"now", an ISO time with a zone, or a wall-clock time ("2026-03-01T10:00") in the workspace\'s time zone. Omitted: the campaign stays a draft.' })),
  },
  { additionalProperties: false },
);
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const StartBody = Type.Object({ startAt: Type.Optional(Type.String({ maxLength: 40 })) }, { additionalProperties: false });
const AudienceBody = Type.Object({ phones: Type.Optional(Type.Array(Type.String({ maxLength: 32 }))), csv: Type.Optional(Type.String()), phoneColumn: Type.Optional(Type.String({ maxLength: 255 })) }, { additionalProperties: false });
const RecipientsQuery = Type.Object({
  state: Type.Optional(Type.String({ maxLength: 20 })),
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$' })),
  after: Type.Optional(Type.String({ pattern: '^-?[0-9]{1,10}$', description: 'seq of the last row of the previous page' })),
});
const security = [{ apiKey: [] }];
const tags = ['campaigns'];

export interface CampaignRouteDeps extends StartDeps, ControlDeps {
  /** The dispatcher's pacing share (config `dispatchThroughputShare`), for the progress ETA. */
  throughputShare: number;
}

/** Campaigns on the native API: create, audience uploads, start/schedule, pause, resume, cancel, retry, progress. */
export function registerCampaignRoutes(app: FastifyInstance, ctx: AppContext) {
  const services = ctx.campaigns;
  if (!services) return;
  const deps: CampaignRouteDeps = services.deps;
  const ws = (request: { principal?: unknown }) => principalOf(request).workspace.id;
  const view = async (workspaceId: string, id: string) => {
    const c = await loadCampaign(ctx.database, workspaceId, id);
    return { ...toCampaign(c), progress: await campaignProgress(ctx.database, ctx.clock.nowMs(), c, { throughputShare: deps.throughputShare }) };
  };

  app.post<{ Body: Static<typeof CreateCampaignBody> }>(
    '/campaigns',
    {
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags,
        summary: 'Create a campaign (and start or schedule it with startAt)',
        description:
          'A Broadcast sends a template to an audience (phones, a CSV with per-row variables, a tag, a segment, or a previous campaign\'s recipients in a state) with per-recipient variables from traits or CSV columns with fallbacks. Refused (400, every problem listed) when the template is not approved in the number\'s WABA or the mapping does not fill its variables; with startAt, also when recipients lack a mapped value (details: the count and the first 100 recipients with their fields) — nothing is stored then.',
        security,
        body: CreateCampaignBody,
      },
    },
    async (request, reply) => {
      const workspaceId = ws(request);
      const { campaign, startAt } = await createCampaign(deps, workspaceId, request.body as CreateCampaignInput);
      if (startAt !== undefined) {
        try {
          await startCampaign(deps, workspaceId, campaign.id, startAt);
        } catch (err) {
          await deleteDraft(ctx.database, workspaceId, campaign.id);
          throw err;
        }
      }
      return reply.code(201).send(await view(workspaceId, campaign.id));
    },
  );

  app.get<{ Querystring: { limit?: string } }>(
    '/campaigns',
    { config: { access: 'agent' }, schema: { tags, summary: 'Campaigns, newest first', security, querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|1[0-9][0-9]|200)$' })) }) } },
    async (request) => {
      const rows = await ctx.database.db.selectFrom('campaigns').selectAll().where('workspace_id', '=', ws(request)).orderBy('created_at', 'desc').limit(Number(request.query.limit ?? 50)).execute();
      return { data: rows.map(toCampaign) };
    },
  );

  app.get<{ Params: Static<typeof Id> }>(
    '/campaigns/:id',
    { config: { access: 'agent' }, schema: { tags, summary: 'A campaign with live progress: counts, failures by reason, skipped by reason, replies, clicks, conversions, cost, ETA', security, params: Id } },
    async (request) => view(ws(request), request.params.id),
  );

  app.get<{ Params: Static<typeof Id>; Querystring: Static<typeof RecipientsQuery> }>(
    '/campaigns/:id/recipients',
    { config: { access: 'agent' }, schema: { tags, summary: "Recipients in sending order with their message's status or the skip reason (keyset pages: after = last seq)", security, params: Id, querystring: RecipientsQuery } },
    async (request) => {
      const c = await loadCampaign(ctx.database, ws(request), request.params.id);
      let q = ctx.database.db
        .selectFrom('campaign_recipients as r')
        .leftJoin('messages as m', 'm.id', 'r.message_id')
        .select(['r.seq', 'r.phone', 'r.contact_id', 'r.state', 'r.skip_reason', 'r.message_id', 'r.attempt', 'm.status', 'm.error_code', 'm.error_title'])
        .where('r.campaign_id', '=', c.id)
        .where('r.seq', '>', Number(request.query.after ?? -1));
      if (request.query.state) q = q.where('r.state', '=', request.query.state as 'pending');
      const rows = await q.orderBy('r.seq').limit(Number(request.query.limit ?? 100)).execute();
      return {
        data: rows.map((r) => ({ seq: Number(r.seq), phone: r.phone.split('#')[0], contactId: r.contact_id, state: r.state, skipReason: r.skip_reason, messageId: r.message_id, attempts: Number(r.attempt), messageStatus: r.status ?? null, errorCode: r.error_code ?? null, error: r.error_title ?? null })),
        next: rows.length > 0 ? String(rows[rows.length - 1]!.seq) : null,
      };
    },
  );

  app.post<{ Params: Static<typeof Id>; Body: Static<typeof AudienceBody> }>(
    '/campaigns/:id/audience',
    { bodyLimit: 16 * 1024 * 1024, schema: { tags, summary: "Add phones or CSV rows to a draft broadcast's audience (uploads add up)", security, params: Id, body: AudienceBody } },
    async (request) => {
      const workspaceId = ws(request);
      const c = await loadCampaign(ctx.database, workspaceId, request.params.id);
      if (c.status !== 'draft') throw new AppError('conflict', `Campaign ${c.id} is ${c.status}; its audience is frozen`);
      const kind = (JSON.parse(c.audience) as { kind: string }).kind;
      const b = request.body;
      if ((b.phones === undefined) === (b.csv === undefined)) throw new AppError('validation_failed', 'Send either phones or csv', [{ field: 'phones', message: 'or csv is required (one of them)' }]);
      if (kind !== 'phones' && kind !== 'csv') throw new AppError('conflict', `Campaign ${c.id}'s audience is a ${kind}; only phone or CSV audiences take uploads`);
      let added: number;
      if (b.phones) {
        if (kind === 'csv') throw new AppError('conflict', 'This audience is a CSV; upload CSV rows');
        added = await appendAudienceRows(ctx.database, c, b.phones.map((phone) => ({ phone: phone.trim(), variables: null })));
      } else {
        const parsed = rowsFromCsv(b.csv!, b.phoneColumn);
        const audience = { kind: 'csv', columns: parsed.columns };
        await ctx.database.transaction((tx) => tx.db.updateTable('campaigns').set({ audience: JSON.stringify(audience) }).where('id', '=', c.id).execute());
        added = await appendAudienceRows(ctx.database, c, parsed.rows);
      }
      return { added };
    },
  );

  app.post<{ Params: Static<typeof Id>; Body: Static<typeof StartBody> }>(
    '/campaigns/:id/start',
    { schema: { tags, summary: 'Start a draft broadcast now, or schedule it (startAt in the workspace\'s time zone)', security, params: Id, body: StartBody } },
    async (request) => {
      const workspaceId = ws(request);
      const raw = request.body?.startAt ?? 'now';
      const at = raw === 'now' ? 'now' : parseStartTime(raw, await getWorkspaceTimeZone(ctx.database, workspaceId));
      await startCampaign(deps, workspaceId, request.params.id, at);
      return view(workspaceId, request.params.id);
    },
  );

  const action = (path: string, summary: string, run: (workspaceId: string, id: string) => Promise<unknown>) =>
    app.post<{ Params: Static<typeof Id> }>(`/campaigns/:id/${path}`, { schema: { tags, summary, security, params: Id } }, async (request) => {
      const workspaceId = ws(request);
      const extra = await run(workspaceId, request.params.id);
      return { ...(await view(workspaceId, request.params.id)), ...(extra && typeof extra === 'object' ? extra : {}) };
    });
  action('pause', 'Pause: nothing more is sent until resumed (messages not yet sent leave the queue)', (w, id) => pauseCampaign(deps, w, id));
  action('resume', 'Resume a paused campaign where it stopped', async (w, id) => {
    await resumeCampaign(deps, w, id);
    wakeCampaignRunners();
  });
  action('cancel', 'Cancel: final; recipients not yet sent are marked cancelled', (w, id) => cancelCampaign(deps, w, id));
  action('retry-failed', 'Send again to recipients whose message failed with a retryable cause (never to one that received it)', async (w, id) => {
    const r = await retryFailed(deps, w, id);
    wakeCampaignRunners();
    return { retry: r };
  });

  app.delete<{ Params: Static<typeof Id> }>('/campaigns/:id', { schema: { tags, summary: 'Delete a draft or scheduled campaign', security, params: Id } }, async (request, reply) => {
    await deleteDraft(ctx.database, ws(request), request.params.id);
    return reply.code(204).send();
  });
}
