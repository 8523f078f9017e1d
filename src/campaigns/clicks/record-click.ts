import type { Database, Tx } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import { recordCtaClickEvent } from '../../webhooks/index.ts';
import type { ClickTokens } from './click-token.ts';
import { clickTarget } from './tracked-values.ts';

/**
 * How long a tracked link works after its message was sent: 30 days, as Interakt's click tokens
 * (their `expiry_date` claim is the send time + 30 days, reference §8.6). Older tokens answer 404.
 */
export const TRACKED_LINK_TTL_MS = 30 * 86_400_000;

/**
 * A tracked link was opened: the token names the message, the button and the sender's suffix. The
 * brand's link is the campaign's own for that button (per-campaign tracked links), else the
 * template's (tracked-links.ts), read now — so a corrected link applies to messages already sent.
 * In one transaction the click is recorded (every open; "clicked" counts distinct messages) and
 * `message_api_clicked` in Interakt's CTA shape — `message_campaign_clicked` for a campaign's
 * message — is emitted. Returns where to redirect, or null (404) when the token is forged, expired,
 * or names no tracked button.
 *
 * Known gap: reads the messages, templates and business_numbers tables directly (no batched
 * service for them yet); the columns used are all here.
 */
export async function recordLinkClick(database: Database, tokens: ClickTokens, token: string, nowMs: number): Promise<string | null> {
  const t = tokens.verify(token);
  if (!t) return null;
  const m = await database.db
    .selectFrom('messages as m')
    .leftJoin('campaigns as c', 'c.id', 'm.campaign_id')
    .innerJoin('business_numbers as n', 'n.id', 'm.number_id')
    .leftJoin('templates as t', (j) => j.onRef('t.waba_id', '=', 'n.waba_id').onRef('t.name', '=', 'm.template_name').onRef('t.language', '=', 'm.template_language'))
    .select(['m.id', 'm.workspace_id', 'm.contact_id', 'm.campaign_id', 'm.created_at', 'c.tracked_links as campaign_links', 't.tracked_links as template_links', 't.components'])
    .where('m.id', '=', t.messageId)
    .where('m.direction', '=', 'outbound')
    .where('m.type', '=', 'template')
    .executeTakeFirst();
  if (!m || nowMs > Number(m.created_at) + TRACKED_LINK_TTL_MS) return null;
  const idx = String(t.buttonIndex);
  const link = parseLinks(m.campaign_links)[idx] ?? parseLinks(m.template_links ?? null)[idx];
  if (!link) return null;
  const target = clickTarget(link, t.suffix);
  if (!target) return null;
  const buttonText = buttonTextOf(m.components ?? null, t.buttonIndex);
  await database.transaction(async (tx) => {
    await tx.db
      .insertInto('campaign_clicks')
      .values({ id: newId(nowMs), workspace_id: m.workspace_id, campaign_id: m.campaign_id, message_id: m.id, contact_id: m.contact_id, kind: 'CTA', button_index: t.buttonIndex, button_text: buttonText || null, link: target, clicked_at: nowMs })
      .execute();
    await recordCtaClickEvent(tx, m.workspace_id, m.id, { buttonText, buttonLink: target, at: nowMs }, nowMs);
  });
  return target;
}

function parseLinks(json: string | null): Record<string, string> {
  if (!json) return {};
  try {
    return JSON.parse(json) as Record<string, string>;
  } catch {
    return {};
  }
}

/** The button's label in the template definition (Interakt's `button_text`), '' when unknown. */
function buttonTextOf(components: string | null, index: number): string {
  try {
    const list = JSON.parse(components ?? '[]') as { type: string; buttons?: { text?: string }[] }[];
    return String(list.find((c) => c.type.toUpperCase() === 'BUTTONS')?.buttons?.[index]?.text ?? '');
  } catch {
    return '';
  }
}

/**
 * A quick-reply press on a campaign message (inbound processing knows the replied-to wamid): recorded
 * as a click, in the inbound message's transaction. Returns whether the message was a campaign's.
 */
export async function recordQuickReplyClick(tx: Tx, workspaceId: string, repliedToWamid: string, buttonText: string, nowMs: number): Promise<boolean> {
  const m = await tx.db.selectFrom('messages').select(['id', 'contact_id', 'campaign_id']).where('wamid', '=', repliedToWamid).where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (!m || !m.campaign_id) return false;
  await tx.db
    .insertInto('campaign_clicks')
    .values({ id: newId(nowMs), workspace_id: workspaceId, campaign_id: m.campaign_id, message_id: m.id, contact_id: m.contact_id, kind: 'QR', button_index: null, button_text: buttonText.slice(0, 200), link: null, clicked_at: nowMs })
    .execute();
  return true;
}
