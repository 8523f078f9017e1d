import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../platform/errors.ts';

/**
 * Webhook URLs must not reach into the operator's own network (DESIGN.md §6): loopback, private,
 * link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, unspecified and multicast
 * addresses are refused at save time (after resolving the name) and again at connect time (the
 * name may resolve elsewhere later: DNS rebinding), unless the operator allows them
 * (SAMVAD_WEBHOOKS_ALLOW_PRIVATE=1; tests and local receivers).
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

/** The URL's shape: http(s), a host, no credentials. Throws validation_failed. */
export function parseWebhookUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new AppError('validation_failed', `Webhook URL "${raw}" is not a valid URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new AppError('validation_failed', 'Webhook URL must start with https:// (or http://)');
  if (u.username || u.password) throw new AppError('validation_failed', 'Webhook URL must not carry a user name or password; authenticate with the signature');
  if (!u.hostname) throw new AppError('validation_failed', 'Webhook URL has no host');
  return u;
}

function hostOf(u: URL): string {
  return u.hostname.replace(/^\[|\]$/g, '');
}

function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address))));
  });
}

/**
 * Save-time check: the host must resolve, and to public addresses only. The message names the
 * address so the operator knows why (and how to allow it).
 */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  const u = parseWebhookUrl(raw);
  if (allowPrivate) return u;
  const host = hostOf(u);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolveAll(host);
    } catch {
      throw new AppError('validation_failed', `Webhook URL host "${host}" does not resolve`);
    }
  }
  const bad = addresses.find(isPrivateAddress);
  if (bad) {
    throw new AppError(
      'validation_failed',
      `Webhook URL ${u.origin} resolves to ${bad}, a private or loopback address; Samvad posts only to public addresses unless the operator sets SAMVAD_WEBHOOKS_ALLOW_PRIVATE=1`,
    );
  }
  return u;
}

/**
 * A `lookup` for net/tls.connect that refuses private addresses at connect time. (A literal IP
 * host skips lookup in net.connect; the deliverer checks those itself with isPrivateAddress.)
 */
export function safeLookup(
  hostname: string,
  options: { all?: boolean; family?: number | string } | number,
  callback: (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void,
): void {
  const opts = typeof options === 'number' ? { family: options } : options;
  dnsLookup(hostname, { all: true, family: opts.family as 0 | 4 | 6 | undefined ?? 0 }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const ok = addresses.filter((a) => !isPrivateAddress(a.address));
    if (ok.length === 0) {
      const e = new Error(`${hostname} resolves to a private or loopback address (${addresses[0]?.address ?? 'none'}); refused`) as NodeJS.ErrnoException;
      e.code = 'EPRIVATEADDRESS';
      return callback(e, '', 0);
    }
    if (opts.all) return callback(null, ok);
    callback(null, ok[0]!.address, ok[0]!.family);
  });
}
