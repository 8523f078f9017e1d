import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../../platform/db/database.ts';

const KEY_NAME = 'click_token_key';

/**
 * Signed tokens for tracked links: the dynamic part of a tracked URL button
 * (`SAMVAD_PUBLIC_URL/r/{{1}}`) is `<message id hex><button index>[.<suffix, base64url>].<HMAC>`,
 * so `/r/{token}` knows which message's which button was clicked without a lookup table, and
 * nobody can forge a click for another message or change the suffix. 59 characters without a
 * suffix, URL-safe. The suffix is what the sender gave for the button: it is appended to the link.
 */
export class ClickTokens {
  constructor(private readonly key: Buffer) {}

  sign(messageId: string, buttonIndex: number, suffix = ''): string {
    const body = `${messageId.replace(/-/g, '')}${buttonIndex}${suffix ? `.${Buffer.from(suffix, 'utf8').toString('base64url')}` : ''}`;
    return `${body}.${this.mac(body)}`;
  }

  /** The message, button and suffix of a token, or null when it is malformed or its signature is wrong. */
  verify(token: string): { messageId: string; buttonIndex: number; suffix: string } | null {
    const m = /^([0-9a-f]{32})([0-9])(?:\.([A-Za-z0-9_-]+))?\.([A-Za-z0-9_-]{22})$/.exec(token);
    if (!m) return null;
    const body = `${m[1]}${m[2]}${m[3] ? `.${m[3]}` : ''}`;
    const want = Buffer.from(this.mac(body));
    const got = Buffer.from(m[4]!);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    const h = m[1]!;
    return {
      messageId: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`,
      buttonIndex: Number(m[2]),
      suffix: m[3] ? Buffer.from(m[3], 'base64url').toString('utf8') : '',
    };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 22);
  }
}

/** The instance's click-token key (made once, kept in the database so every process agrees). */
export async function loadClickTokens(database: Database): Promise<ClickTokens> {
  const read = () => database.db.selectFrom('campaign_settings').select('value').where('key', '=', KEY_NAME).executeTakeFirst();
  let row = await read();
  if (!row) {
    await database.transaction((tx) =>
      tx.db.insertInto('campaign_settings').values({ key: KEY_NAME, value: randomBytes(32).toString('base64') }).onConflict((oc) => oc.column('key').doNothing()).execute(),
    );
    row = await read();
  }
  return new ClickTokens(Buffer.from(row!.value, 'base64'));
}
