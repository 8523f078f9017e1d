import { spawn } from 'node:child_process';
import type { ScenarioFigures } from './scenario.ts';
import { REPO_ROOT } from './spawn.ts';

/**
 * One round of the job queue benchmark (./queue-bench.ts) in a child process, so the harness's
 * own event loop and heap stay out of the figures. Sizes come from the environment:
 * BENCH_QUEUE_JOBS (default 50,000), BENCH_QUEUE_RATE (5,000/s), BENCH_QUEUE_SECONDS (10);
 * PostgreSQL from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
export function runQueueBench(dialect: 'sqlite' | 'postgres'): Promise<ScenarioFigures> {
  const args = [
    'bin/run-ts.js',
    'bench/lib/queue-bench.ts',
    dialect,
    '--jobs',
    process.env.BENCH_QUEUE_JOBS ?? '50000',
    '--rate',
    process.env.BENCH_QUEUE_RATE ?? '5000',
    '--seconds',
    process.env.BENCH_QUEUE_SECONDS ?? '10',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-16_384);
      if (process.env.BENCH_VERBOSE === '1') process.stderr.write(`[queue-bench] ${c.toString('utf8')}`);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`queue benchmark exited ${code ?? signal}:\n${stderr}`));
      try {
        resolve(JSON.parse(last) as ScenarioFigures);
      } catch {
        reject(new Error(`queue benchmark printed no figures:\n${stdout}\n${stderr}`));
      }
    });
  });
}
