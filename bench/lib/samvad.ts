import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnServer } from './spawn.ts';

export const BENCH_API_KEY = 'bench-api-key-6f1c2a9e4b7d40c8a3e5f9b2d1c6a8e7';
export const BENCH_AUTH = 'Basic ' + Buffer.from(BENCH_API_KEY + ':').toString('base64');

/**
 * The real Samvad (`samvad start`) in a child process on a free port and a temporary data dir, with
 * a known API key and the rate limit raised so it is consulted on every request but never trips.
 * `stop()` ends it and removes its data. BENCH_CPU_PROF=DIR writes its V8 CPU profile to DIR
 * (node --cpu-prof), for the scenarios that use this helper.
 */
export async function startBenchSamvad(extraEnv: Record<string, string> = {}): Promise<{ url: string; dataDir: string; output(): string; stop(): Promise<void> }> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'samvad-bench-'));
  try {
    const server = await spawnServer({
      label: 'samvad',
      args: [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []), 'bin/samvad.js', 'start', '--port', String(port), '--data-dir', dataDir],
      env: { SAMVAD_API_KEY: BENCH_API_KEY, SAMVAD_DEFAULT_RATE_LIMIT: '100000000', LOG_LEVEL: 'warn', ...extraEnv },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    return {
      url: `http://127.0.0.1:${port}`,
      dataDir,
      output: () => server.output(),
      async stop() {
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
