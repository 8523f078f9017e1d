import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestPgDatabase } from '../../src/platform/db/test-database.ts';

const BIN = fileURLToPath(new URL('../../bin/samvad.js', import.meta.url));

export interface SpawnedSamvad {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code or signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `samvad start` as a real child process on a free port and waits until it is ready. */
export async function spawnSamvad(args: string[], env: Record<string, string>, readyTimeoutMs = 90_000): Promise<SpawnedSamvad> {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started server behind: the caller has no handle on it yet.
      child.kill('SIGKILL');
      reject(new Error(`samvad did not start in time:\n${out}`));
    }, readyTimeoutMs);
    const check = () => {
      const m = /Samvad is running at (http:\/\/\S+?)\/?\s/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code }) => reject(new Error(`samvad exited with ${code} before it was ready:\n${out}`)));
  });
  return { child, url, output: () => out, exited };
}

/** A DATABASE_URL for a fresh database when the PostgreSQL tier runs, else undefined; and its cleanup. */
export async function freshDatabaseUrl(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) return { url: undefined, drop: async () => {} };
  return createTestPgDatabase(base, 'k');
}
