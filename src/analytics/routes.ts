import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../http-context.ts';
import { principalOf } from '../public-api/plugin.ts';
import { reportRange } from './range.ts';
import { agentsReport } from './reports/agents-report.ts';
import { campaignsReport, oneCampaignFunnel } from './reports/campaigns-report.ts';
import { conversationsReport } from './reports/conversations-report.ts';
import { costsReport } from './reports/costs-report.ts';
import { messagesReport } from './reports/messages-report.ts';

const tags = ['analytics'];
const security = [{ apiKey: [] }];
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Rate = Nullable(Type.Number({ minimum: 0, maximum: 1 }));

const RangeFields = {
  from: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: "First local date (YYYY-MM-DD) in the workspace's time zone; default 29 days before `to` (by day) or `to` (by hour)" })),
  to: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: "Last local date, inclusive; default today in the workspace's time zone" })),
};
const TimeQuery = Type.Object({ ...RangeFields, granularity: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('hour')], { description: 'day (at most 400 days) or hour (at most 31 days); default day' })) });
const MessagesQuery = Type.Object({
  ...TimeQuery.properties,
  groupBy: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('number'), Type.Literal('source')], { description: 'Also return one series per business number or per source' })),
  numberId: Type.Optional(Type.String({ maxLength: 64, description: 'Only this business number' })),
  source: Type.Optional(Type.Union(['api', 'campaign', 'agent', 'automation', 'customer'].map((s) => Type.Literal(s)), { description: 'Only this source' })),
});
const RangeQuery = Type.Object(RangeFields);

const Head = { timeZone: Type.String({ description: "The workspace's IANA time zone the buckets are cut in" }), from: Type.String(), to: Type.String() };
const Start = Type.String({ description: 'Local start of the bucket with its UTC offset (DST days have 23 or 25 hours)' });
const Counts = Type.Object({
  accepted: Type.Integer({ description: 'Outbound messages accepted in the bucket' }),
  sent: Type.Integer({ description: 'Of those, accepted by Meta (sent, delivered or read)' }),
  delivered: Type.Integer(),
  read: Type.Integer(),
  failed: Type.Integer({ description: 'Failed or expired' }),
  received: Type.Integer({ description: 'Inbound customer messages' }),
  deliveryRate: Rate,
  readRate: Rate,
});
const CountBuckets = Type.Array(Type.Composite([Type.Object({ start: Start }), Counts]));
const MessagesReport = Type.Object({
  ...Head,
  granularity: Type.String(),
  totals: Counts,
  buckets: CountBuckets,
  groups: Type.Optional(Type.Array(Type.Object({ key: Type.String({ description: 'Number id or source' }), totals: Counts, buckets: CountBuckets }))),
});
const ByCategory = Type.Record(Type.String(), Type.Integer(), { description: 'Billed messages per Meta pricing category' });
const ConversationsReport = Type.Object({
  ...Head,
  granularity: Type.String(),
  totals: Type.Object({ started: Type.Integer(), opened: Type.Integer(), closed: Type.Integer(), billedByCategory: ByCategory }),
  buckets: Type.Array(Type.Object({ start: Start, started: Type.Integer({ description: 'New threads (number, contact)' }), opened: Type.Integer({ description: 'Inbox conversations opened (latest opening)' }), closed: Type.Integer(), billedByCategory: ByCategory })),
});
const CostLine = Type.Object({ category: Type.String(), market: Type.String({ description: 'ISO country or Meta region of the recipient' }), currency: Type.String(), messages: Type.Integer(), amountMicros: Type.Integer({ description: 'Millionths of the currency unit, as Meta charges (zero markup)' }) });
const CostsReport = Type.Object({
  ...Head,
  granularity: Type.String(),
  totals: Type.Object({ byCurrency: Type.Array(Type.Object({ currency: Type.String(), amountMicros: Type.Integer() })), lines: Type.Array(CostLine) }),
  buckets: Type.Array(Type.Object({ start: Start, lines: Type.Array(CostLine) })),
});
const Durations = Type.Object({ count: Type.Integer(), averageSeconds: Nullable(Type.Number()), medianSeconds: Nullable(Type.Number()), p90Seconds: Nullable(Type.Number()) });
const AgentLine = {
  conversationsOpened: Type.Integer({ description: 'Conversations opened in the period (assigned to this agent now)' }),
  awaitingFirstResponse: Type.Integer(),
  firstResponse: Durations,
  resolution: Durations,
};
const AgentsReport = Type.Object({
  ...Head,
  totals: Type.Object(AgentLine),
  agents: Type.Array(Type.Object({ agent: Nullable(Type.Object({ id: Type.String(), name: Nullable(Type.String()), email: Nullable(Type.String()) })), ...AgentLine })),
});
const FunnelRates = Type.Object({ delivered: Rate, read: Rate, clicked: Rate, converted: Rate }, { description: 'Each step over the one before it' });
const Funnel = Type.Object({
  campaignId: Type.String(),
  name: Type.String(),
  type: Type.String(),
  status: Type.String(),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  recipients: Type.Integer(),
  skipped: Type.Integer(),
  sent: Type.Integer(),
  delivered: Type.Integer(),
  read: Type.Integer(),
  clicked: Type.Integer(),
  converted: Type.Integer(),
  failed: Type.Integer(),
  rates: FunnelRates,
});
const CampaignsReport = Type.Object({
  ...Head,
  totals: Type.Object({ sent: Type.Integer(), delivered: Type.Integer(), read: Type.Integer(), clicked: Type.Integer(), converted: Type.Integer(), failed: Type.Integer(), rates: FunnelRates }),
  campaigns: Type.Array(Funnel),
  truncated: Type.Boolean({ description: 'More than 100 campaigns started in the period; the newest 100 are listed' }),
});

/**
 * /api/v1/analytics/*: reports in the workspace's time zone. Message, conversation and campaign
 * reports are open to agents; costs and agents' response times need the admin role.
 */
export function registerAnalyticsRoutes(app: FastifyInstance, ctx: AppContext) {
  const ws = (request: FastifyRequest) => principalOf(request).workspace;
  const range = (request: FastifyRequest, q: Static<typeof TimeQuery>) => reportRange(q, ws(request).time_zone, ctx.clock.nowMs());

  app.get<{ Querystring: Static<typeof MessagesQuery> }>(
    '/analytics/messages',
    { config: { access: 'agent' }, schema: { tags, summary: 'Messages over time: accepted, sent, delivered, read, failed, received; delivery and read rates; by number or source', security, querystring: MessagesQuery, response: { 200: MessagesReport } } },
    async (request) => {
      const q = request.query;
      return messagesReport(ctx.database.db, { workspaceId: ws(request).id, range: range(request, q), groupBy: q.groupBy ?? 'none', numberId: q.numberId, source: q.source });
    },
  );
  app.get<{ Querystring: Static<typeof TimeQuery> }>(
    '/analytics/conversations',
    { config: { access: 'agent' }, schema: { tags, summary: 'Conversations over time: started, opened, closed, billed messages by pricing category', security, querystring: TimeQuery, response: { 200: ConversationsReport } } },
    async (request) => conversationsReport(ctx.database.db, ws(request).id, range(request, request.query)),
  );
  app.get<{ Querystring: Static<typeof TimeQuery> }>(
    '/analytics/costs',
    { config: { access: 'admin' }, schema: { tags, summary: "What Meta charged (cost ledger, zero markup) by category and market over time", security, querystring: TimeQuery, response: { 200: CostsReport } } },
    async (request) => costsReport(ctx.database.db, ws(request).id, range(request, request.query)),
  );
  app.get<{ Querystring: Static<typeof RangeQuery> }>(
    '/analytics/agents',
    { config: { access: 'admin' }, schema: { tags, summary: "Agents' first-response and resolution times", security, querystring: RangeQuery, response: { 200: AgentsReport } } },
    async (request) => agentsReport(ctx.database.db, ws(request).id, range(request, request.query)),
  );
  app.get<{ Querystring: Static<typeof RangeQuery> }>(
    '/analytics/campaigns',
    { config: { access: 'agent' }, schema: { tags, summary: 'Funnels (sent → delivered → read → clicked → converted) of campaigns started in the period', security, querystring: RangeQuery, response: { 200: CampaignsReport } } },
    async (request) => campaignsReport(ctx.database, ctx.clock.nowMs(), ws(request).id, range(request, request.query)),
  );
  app.get<{ Params: { id: string } }>(
    '/analytics/campaigns/:id/funnel',
    { config: { access: 'agent' }, schema: { tags, summary: "One campaign's funnel", security, params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: Funnel } } },
    async (request) => oneCampaignFunnel(ctx.database, ctx.clock.nowMs(), ws(request).id, request.params.id),
  );
}
