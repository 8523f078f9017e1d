import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Media that Samvad keeps (inbound media downloaded from Meta, whose links expire) lives behind
 * this interface; the local folder is the embedded default, an object store can implement it later.
 * Keys are opaque to callers, safe in a URL path, and start with the workspace id.
 */
export interface MediaStore {
  put(workspaceId: string, bytes: Buffer, mimeType: string, nowMs: number): Promise<string>;
  /** Undefined when the key is unknown (or pruned). */
  get(key: string): Promise<{ bytes: Buffer; mimeType: string } | undefined>;
  delete(key: string): Promise<void>;
  /** Removes media stored before `cutoffMs` (retention); returns how many files were removed. */
  pruneBefore(cutoffMs: number): Promise<number>;
}

/** `<workspace id>/<yyyymmdd>/<random>`: the day folder makes retention a folder delete. */
export const MEDIA_KEY = /^[A-Za-z0-9-]{1,64}\/\d{8}\/[A-Za-z0-9_-]{16,64}$/;

export function isMediaKey(key: string): boolean {
  return MEDIA_KEY.test(key);
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
}

/** Files under `<root>/<workspace>/<yyyymmdd>/<id>` with the MIME type in a sidecar `<id>.type`. */
export function createLocalMediaStore(root: string): MediaStore {
  const path = (key: string) => {
    if (!isMediaKey(key)) throw new Error(`Invalid media key ${JSON.stringify(key)}`);
    return join(root, ...key.split('/'));
  };
  return {
    async put(workspaceId, bytes, mimeType, nowMs) {
      if (!/^[A-Za-z0-9-]{1,64}$/.test(workspaceId)) throw new Error('Invalid workspace id for a media key');
      const key = `${workspaceId}/${day(nowMs)}/${randomBytes(16).toString('base64url')}`;
      const file = path(key);
      await mkdir(join(file, '..'), { recursive: true });
      // Write then rename, so a reader never sees half a file.
      await writeFile(`${file}.type.tmp`, mimeType);
      await writeFile(`${file}.tmp`, bytes);
      await rename(`${file}.type.tmp`, `${file}.type`);
      await rename(`${file}.tmp`, file);
      return key;
    },
    async get(key) {
      if (!isMediaKey(key)) return undefined;
      try {
        const file = path(key);
        const [bytes, mimeType] = await Promise.all([readFile(file), readFile(`${file}.type`, 'utf8')]);
        return { bytes, mimeType };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async delete(key) {
      const file = path(key);
      await rm(file, { force: true });
      await rm(`${file}.type`, { force: true });
    },
    async pruneBefore(cutoffMs) {
      const cutoffDay = day(cutoffMs);
      let removed = 0;
      let workspaces: string[];
      try {
        workspaces = await readdir(root);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw err;
      }
      for (const ws of workspaces) {
        const wsDir = join(root, ws);
        if (!(await stat(wsDir)).isDirectory()) continue;
        for (const d of await readdir(wsDir)) {
          // A whole day folder goes once every file in it is older than the cutoff day.
          if (!/^\d{8}$/.test(d) || d >= cutoffDay) continue;
          const files = await readdir(join(wsDir, d));
          removed += files.filter((f) => !f.endsWith('.type')).length;
          await rm(join(wsDir, d), { recursive: true, force: true });
        }
      }
      return removed;
    },
  };
}
