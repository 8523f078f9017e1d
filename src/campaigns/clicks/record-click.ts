import type { Database, Tx } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import type { ClickTokens } from './click-token.ts';

/**
 * A tracked link was opened: the token names the message and button; the campaign that sent the
 * message names the brand's link. The click is recorded (every open; "clicked" counts distinct
 * messages) and the link returned for the redirect; null when the token is forged or unknown.
 */
export async function recordLinkClick(database: Database, tokens: ClickTokens, token: string, nowMs: number): Promise<string | null> {
  const t = tokens.verify(token);
  if (!t) return null;
  const m = await database.db
    .selectFrom('messages as m')
    .innerJoin('campaigns as c', 'c.id', 'm.campaign_id')
    .select(['m.id', 'm.workspace_id', 'm.contact_id', 'c.id as campaign_id', 'c.tracked_links'])
    .where('m.id', '=', t.messageId)
    .executeTakeFirst();
  if (!m) return null;
  const link = (JSON.parse(m.tracked_links) as Record<string, string>)[String(t.buttonIndex)];
  if (!link) return null;
  await database.transaction((tx) =>
    tx.db
      .insertInto('campaign_clicks')
      .values({ id: newId(nowMs), workspace_id: m.workspace_id, campaign_id: m.campaign_id, message_id: m.id, contact_id: m.contact_id, kind: 'CTA', button_index: t.buttonIndex, button_text: null, link, clicked_at: nowMs })
      .execute(),
  );
  return link;
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
