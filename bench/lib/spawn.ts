import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** Repository root, so children run with the same relative paths whatever the caller's cwd. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface SpawnOptions {
  /** What the child is, for messages ("ceiling server", "samvad"). */
  label: string;
  /** Arguments to `node` (the child runs with the harness's own Node binary). */
  args: string[];
  /** Added to the harness's environment. */
  env?: Record<string, string>;
  /** Polled until it answers 200. */
  readyUrl: string;
  readyTimeoutMs?: number;
  /** Echo the child's output as it comes; default: on when the harness runs with `--verbose`. */
  echo?: boolean;
}

export interface SpawnedServer {
  pid: number;
  /** The last few kilobytes of the child's stdout and stderr, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_KEEP = 16 * 1024;
const live = new Set<ChildProcess>();

// The harness must never leave servers behind, whatever way it ends.
function killAllNow() {
  for (const child of live) killGroup(child, 'SIGKILL');
}
process.once('exit', killAllNow);
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    killAllNow();
    process.exit(code);
  });
}

/** The child leads its own process group, so grandchildren (worker processes) go with it. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** A TCP port that was free a moment ago (the child binds it; the race is acceptable here). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

/** Starts `node ARGS` in a child process and waits until `readyUrl` answers 200. */
export async function spawnServer(options: SpawnOptions): Promise<SpawnedServer> {
  const { label, args, env = {}, readyUrl, readyTimeoutMs = 60_000, echo = process.env.BENCH_VERBOSE === '1' } = options;
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);

  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
    if (echo) process.stderr.write(`[${label}] ${chunk.toString('utf8')}`);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
    live.delete(child);
  });

  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null || spawnError) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + readyTimeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`${label}: could not start: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${label} exited (${child.exitCode ?? child.signalCode}) before it was ready.\n` +
          `command: node ${args.join(' ')}\n--- its output ---\n${output}`,
      );
    }
    try {
      const response = await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) {
        return { pid: child.pid ?? -1, output: () => output, stop };
      }
      lastProblem = `${readyUrl} answered ${response.status}`;
    } catch (err) {
      lastProblem = `${readyUrl}: ${(err as Error).message}`;
    }
    await sleep(100);
  }
  await stop(2_000);
  throw new Error(
    `${label} was not ready within ${readyTimeoutMs} ms (${lastProblem}).\n` +
      `command: node ${args.join(' ')}\n--- its output ---\n${output}`,
  );
}

/** Process ids of the servers spawned so far that are still running. */
export function livePids(): number[] {
  return [...live].flatMap((child) => (child.pid !== undefined && child.exitCode === null ? [child.pid] : []));
}

// Linux reports CPU time in clock ticks; USER_HZ is 100 on every mainstream Linux build.
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, milliseconds) used so far by the given process groups: each spawned
 * server leads its own group, so this covers its worker processes too. Read from /proc, so
 * Linux only; null elsewhere. Unlike req/s, CPU per request hardly moves when something else
 * competes for the cores.
 */
export function processGroupsCpuMs(groupIds: readonly number[]): number | null {
  if (process.platform !== 'linux' || groupIds.length === 0) return null;
  const wanted = new Set(groupIds);
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp … utime stime …": comm may hold spaces, so split after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (!wanted.has(Number(fields[2]))) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/**
 * Resident memory (bytes) of the given process groups right now: the sum of VmRSS over every
 * process whose group is one of them, from /proc (Linux only; null elsewhere). Each spawned
 * server leads its own group, so one server's memory is measured apart from another's.
 */
export function processGroupsRssBytes(groupIds: readonly number[]): number | null {
  if (process.platform !== 'linux' || groupIds.length === 0) return null;
  const wanted = new Set(groupIds);
  let bytes = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (!wanted.has(Number(fields[2]))) continue;
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      if (m) bytes += Number(m[1]) * 1024;
    } catch {
      continue; // exited meanwhile
    }
  }
  return bytes;
}
