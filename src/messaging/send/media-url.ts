import ipaddr from 'ipaddr.js';
import { invalid } from './invalid.ts';

/** File types Meta accepts per media kind (cloud-api-limits.md §7.2), by URL extension. */
const EXTENSIONS: Record<string, string[]> = {
  image: ['jpg', 'jpeg', 'png'],
  video: ['mp4', '3gp', '3gpp'],
  audio: ['aac', 'amr', 'mp3', 'm4a', 'ogg', 'opus'],
  document: ['txt', 'xls', 'xlsx', 'doc', 'docx', 'ppt', 'pptx', 'pdf'],
  sticker: ['webp'],
};
/** Extensions we recognise as media of some kind: a URL ending in one of these for the wrong kind is refused. */
const KNOWN = new Set([...Object.values(EXTENSIONS).flat(), 'gif', 'bmp', 'tiff', 'svg', 'heic', 'avi', 'mov', 'mkv', 'webm', 'wav', 'flac', 'wma', 'zip', 'rar', 'csv', 'rtf', 'odt', 'html', 'htm']);

export interface MediaUrlOptions {
  /** Loopback and private addresses allowed (sandbox mode and tests, DESIGN.md §6). */
  allowPrivate: boolean;
}

/**
 * A media link must be http(s), at most 2000 characters, and — unless the operator allows it —
 * not point at a loopback, private, link-local or otherwise non-public address. Host names are
 * not resolved here (the Cloud API fetches the link, not Samvad; resolving at accept time would
 * also be defeated by DNS rebinding); literal IPs and `localhost` names are refused.
 * When the URL ends in a file extension, it must be one the Cloud API accepts for `kind`.
 */
export function checkMediaUrl(value: unknown, field: string, kind: keyof typeof EXTENSIONS, options: MediaUrlOptions): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(field, 'is required: an http(s) URL of the media');
  const raw = value.trim();
  if (raw.length > 2000) invalid(field, 'must be at most 2000 characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    invalid(field, `must be an http(s) URL: "${raw.slice(0, 100)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') invalid(field, `must be an http(s) URL, not ${url.protocol.replace(':', '')}`);
  if (!options.allowPrivate) {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) {
      invalid(field, `must point at a public address, not ${host}`);
    }
    if (ipaddr.isValid(host)) {
      let addr = ipaddr.parse(host);
      if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
      const range = addr.range();
      if (range !== 'unicast') invalid(field, `must point at a public address, not a ${range} one (${host})`);
    } else if (/^[0-9.]+$/.test(host) || /^0x/i.test(host)) {
      invalid(field, `must point at a public address (${host})`);
    }
  }
  const ext = /\.([a-z0-9]{2,5})$/i.exec(url.pathname)?.[1]?.toLowerCase();
  if (ext && KNOWN.has(ext) && !EXTENSIONS[kind]!.includes(ext)) {
    invalid(field, `is a .${ext} file; ${kind} messages accept ${EXTENSIONS[kind]!.map((e) => `.${e}`).join(', ')} (Cloud API media types)`);
  }
  return raw;
}
