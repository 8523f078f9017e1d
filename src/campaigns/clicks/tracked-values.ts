import type { TemplateValues } from '../../messaging/send/build-template.ts';
import { invalid } from '../../messaging/send/invalid.ts';
import { trackedButtonLinks, type Template } from '../../templates/index.ts';
import type { ClickTokens } from './click-token.ts';

/** Longest value a sender may give for a tracked button (it travels inside the token). */
export const MAX_TRACKED_SUFFIX = 1000;

/**
 * Where a click goes: the brand's link with the sender's suffix appended, or null when the suffix
 * would leave the link's site (`https://brand.example` + `@evil.example`): no open redirect, even
 * through a suffix the brand's own integration sent.
 */
export function clickTarget(link: string, suffix: string): string | null {
  if (!suffix) return link;
  const target = link + suffix;
  try {
    return new URL(target).origin === new URL(link).origin ? target : null;
  } catch {
    return null;
  }
}

/**
 * The tracked buttons of a send: the template's (tracked-links.ts), with a campaign's own
 * `trackedLinks` (the older, per-campaign form, still accepted) taking precedence per button.
 */
export function trackedLinksFor(template: Pick<Template, 'components' | 'trackedLinks'>, campaignLinks: Record<string, string> = {}): Record<string, string> {
  return { ...trackedButtonLinks(template), ...campaignLinks };
}

/**
 * The values a send of a tracked template goes out with: each tracked URL button ({{1}} of
 * SAMVAD_PUBLIC_URL/r/{{1}}) carries the message's signed click token. The sender does not supply
 * it. A value the sender does give for such a button is not sent as is (it would make a dead /r/
 * link): it becomes the token's signed suffix, appended to the brand's link on redirect — so an
 * integration that already sends an order id for a dynamic URL button keeps working when the brand
 * turns tracking on. A suffix that is too long or leaves the link's site is a 400 naming the field.
 */
export function withClickTokens(tokens: ClickTokens, links: Record<string, string>, values: TemplateValues, messageId: string, field = 'template.buttonValues'): TemplateValues {
  const idxs = Object.keys(links);
  if (idxs.length === 0) return values;
  const buttonValues: Record<string, string[]> = { ...(values.buttonValues ?? {}) };
  for (const idx of idxs) {
    const given = buttonValues[idx];
    // More than one value: left for the template builder, which refuses the count.
    if (given !== undefined && (!Array.isArray(given) || given.length > 1)) continue;
    const suffix = given?.[0] ?? '';
    const f = `${field}.${idx}[0]`;
    if (typeof suffix !== 'string') invalid(f, 'must be a string');
    if (suffix.length > MAX_TRACKED_SUFFIX) invalid(f, `is appended to the tracked button's link and must be at most ${MAX_TRACKED_SUFFIX} characters, got ${suffix.length}`);
    if (clickTarget(links[idx]!, suffix) === null) invalid(f, `is appended to the tracked button's link (${links[idx]}) and must not lead to another site`);
    buttonValues[idx] = [tokens.sign(messageId, Number(idx), suffix)];
  }
  return { ...values, buttonValues };
}

/**
 * A one-off send of `template` (public API, inbox reply, inbox start): the values it goes out with
 * and, when the template has tracked URL buttons, the message id the click tokens are signed with
 * (the caller hands it to acceptSend so the stored message has that id). Without click tokens
 * (no campaign services in this process) the values go out as given.
 */
export function trackedSendValues(
  tokens: ClickTokens | undefined,
  template: Pick<Template, 'components' | 'trackedLinks'>,
  values: TemplateValues,
  newMessageId: () => string,
  field?: string,
): { values: TemplateValues; messageId?: string } {
  const tracked = trackedLinksFor(template);
  if (!tokens || Object.keys(tracked).length === 0) return { values };
  const messageId = newMessageId();
  return { values: withClickTokens(tokens, tracked, values, messageId, field), messageId };
}
