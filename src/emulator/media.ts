/**
 * Media rules (cloud-api-limits.md §7): supported MIME types and sizes per kind, content sniffing,
 * link fetching as Meta does (private and loopback addresses refused unless allowed), samples.
 */
import { lookup } from 'node:dns/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { extname, join } from 'node:path';
import { PACKAGE_ROOT } from '../platform/package-root.ts';
import { request } from 'undici';
import type { MediaKind } from './validate-send.ts';

const MB = 1024 * 1024;

export const MEDIA_RULES: Record<MediaKind, { mimes: string[]; maxBytes: number }> = {
  image: { mimes: ['image/jpeg', 'image/png'], maxBytes: 5 * MB },
  video: { mimes: ['video/mp4', 'video/3gpp', 'video/3gp'], maxBytes: 16 * MB },
  audio: { mimes: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg', 'audio/opus'], maxBytes: 16 * MB },
  document: {
    mimes: [
      'text/plain', 'application/pdf', 'application/vnd.ms-excel', 'application/msword', 'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
    maxBytes: 100 * MB,
  },
  sticker: { mimes: ['image/webp'], maxBytes: 500 * 1024 },
};

/** The MIME without parameters ("audio/ogg; codecs=opus" → "audio/ogg"). */
export function baseMime(m: string): string {
  return m.split(';')[0]!.trim().toLowerCase();
}

export function kindOfMime(mime: string): MediaKind | null {
  const m = baseMime(mime);
  for (const [k, r] of Object.entries(MEDIA_RULES)) if (r.mimes.includes(m)) return k as MediaKind;
  return null;
}

/** Largest size Meta accepts for a MIME type on upload (documents allow 100 MB). */
export function maxBytesForMime(mime: string): number | null {
  const k = kindOfMime(mime);
  return k ? MEDIA_RULES[k].maxBytes : null;
}

/** Sniffs well-known signatures; null when the format has none we know (e.g. text/plain). */
export function sniffMime(data: Buffer): string | null {
  const b = data;
  if (b.length >= 8 && b[0] === 0x89 && b.toString('ascii', 1, 4) === 'PNG') return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && b.toString('ascii', 0, 4) === 'RIFF' && b.toString('ascii', 8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 4 && b.toString('ascii', 0, 4) === '%PDF') return 'application/pdf';
  if (b.length >= 4 && b.toString('ascii', 0, 4) === 'OggS') return 'audio/ogg';
  if (b.length >= 5 && b.toString('ascii', 0, 5) === '#!AMR') return 'audio/amr';
  if (b.length >= 3 && b.toString('ascii', 0, 3) === 'ID3') return 'audio/mpeg';
  if (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0) return (b[1]! & 0x06) === 0 ? 'audio/aac' : 'audio/mpeg';
  if (b.length >= 12 && b.toString('ascii', 4, 8) === 'ftyp') return b.toString('ascii', 8, 11) === '3gp' ? 'video/3gpp' : 'video/mp4';
  return null;
}

/** Whether a declared MIME agrees with the sniffed content (formats without signatures pass). */
export function contentMatches(declared: string, data: Buffer): boolean {
  const sniffed = sniffMime(data);
  if (!sniffed) return !['image/png', 'image/jpeg', 'image/webp', 'application/pdf'].includes(baseMime(declared));
  const d = baseMime(declared);
  if (d === sniffed) return true;
  const family: Record<string, string[]> = {
    'audio/mp4': ['video/mp4'],
    'video/3gp': ['video/3gpp'],
    'audio/opus': ['audio/ogg'],
    'audio/aac': ['audio/mpeg'],
    'audio/mpeg': ['audio/aac'],
  };
  return family[d]?.includes(sniffed) ?? false;
}

function isPrivateAddress(ip: string): boolean {
  if (ip.startsWith('::ffff:')) return isPrivateAddress(ip.slice(7));
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  const l = ip.toLowerCase();
  return l === '::1' || l === '::' || l.startsWith('fc') || l.startsWith('fd') || l.startsWith('fe80');
}

export type FetchResult = { ok: true; data: Buffer; mime: string; filename: string | null } | { ok: false; reason: string };

/** Fetches link media as Meta does; a failure becomes an async 131053. */
export async function fetchLinkMedia(
  link: string,
  kind: MediaKind,
  opts: { allowPrivate: boolean; timeoutMs: number },
): Promise<FetchResult> {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return { ok: false, reason: 'Invalid media URL.' };
  }
  if (!opts.allowPrivate) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addrs: string[];
    try {
      addrs = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
    } catch {
      return { ok: false, reason: `Media URL host ${host} could not be resolved.` };
    }
    if (addrs.some(isPrivateAddress)) return { ok: false, reason: 'Media URL points to a private or loopback address.' };
  }
  const rule = MEDIA_RULES[kind];
  try {
    const res = await request(url, { method: 'GET', headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs, maxRedirections: 0 } as never);
    if (res.statusCode !== 200) {
      await res.body.dump();
      return { ok: false, reason: `Media URL answered HTTP ${res.statusCode}.` };
    }
    const ct = res.headers['content-type'];
    const declared = baseMime(Array.isArray(ct) ? (ct[0] ?? '') : (ct ?? ''));
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > rule.maxBytes) {
        res.body.destroy();
        return { ok: false, reason: `Media file is larger than ${rule.maxBytes} bytes.` };
      }
      chunks.push(chunk as Buffer);
    }
    const data = Buffer.concat(chunks);
    const mime = declared || sniffMime(data) || '';
    if (!rule.mimes.includes(mime)) return { ok: false, reason: `Media type ${mime || 'unknown'} is not supported for ${kind} messages.` };
    if (!contentMatches(mime, data)) return { ok: false, reason: `Media content does not match its type ${mime}.` };
    const filename = decodeURIComponent(url.pathname.split('/').pop() ?? '') || null;
    return { ok: true, data, mime, filename };
  } catch (e) {
    return { ok: false, reason: `Media URL could not be fetched: ${(e as Error).message}` };
  }
}

// ---------------------------------------------------------------- samples

export const SAMPLES_DIR = join(PACKAGE_ROOT, 'src', 'emulator', 'samples');
const EXT_MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.ogg': 'audio/ogg',
};

export interface Sample {
  name: string;
  mime: string;
  data: Buffer;
}

let samplesCache: Map<string, Sample> | null = null;

export function samples(): Map<string, Sample> {
  if (!samplesCache) {
    samplesCache = new Map();
    for (const f of readdirSync(SAMPLES_DIR)) {
      const mime = EXT_MIME[extname(f)];
      if (mime) samplesCache.set(f, { name: f, mime, data: readFileSync(join(SAMPLES_DIR, f)) });
    }
  }
  return samplesCache;
}

/** The sample used when a virtual user sends media of a kind without naming a file. */
export function defaultSampleFor(kind: MediaKind): Sample | null {
  const name = { image: 'sample.png', video: 'sample.mp4', audio: 'sample.mp3', document: 'sample.pdf', sticker: 'sample.webp' }[kind];
  return samples().get(name) ?? null;
}
