import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_API_KEY } from '../lib/samvad.ts';
import { freePort, spawnServer, type SpawnedServer } from '../lib/spawn.ts';

/**
 * Samvad for the contacts scenarios, as bench/lib/samvad.ts starts it (known key, rate limit raised,
 * temporary data dir), plus: BENCH_CONTACTS_CPU_PROF=DIR writes a V8 CPU profile of the server to
 * DIR (node --cpu-prof, which Node 20 refuses in NODE_OPTIONS; written when the server exits at
 * teardown). `server` gives the process (its pid leads the process group, for CPU and RSS).
 */
export async function startContactsSamvad(extraEnv: Record<string, string> = {}): Promise<{ url: string; dataDir: string; server: SpawnedServer; stop(): Promise<void> }> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'samvad-bench-contacts-'));
  const prof = process.env.BENCH_CONTACTS_CPU_PROF;
  try {
    const server = await spawnServer({
      label: 'samvad',
      args: [...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), 'bin/samvad.js', 'start', '--port', String(port), '--data-dir', dataDir],
      env: { ...(process.env.BENCH_CONTACTS_SQL_PROFILE ? { SAMVAD_SQL_PROFILE: process.env.BENCH_CONTACTS_SQL_PROFILE } : {}), SAMVAD_API_KEY: BENCH_API_KEY, SAMVAD_DEFAULT_RATE_LIMIT: '100000000', LOG_LEVEL: 'warn', ...extraEnv },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    return {
      url: `http://127.0.0.1:${port}`,
      dataDir,
      server,
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
