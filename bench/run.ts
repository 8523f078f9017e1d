/**
 * Samvad's benchmark harness: `npm run bench [-- --scenario NAME] [--duration S] [--connections N]`.
 *
 * Runs named scenarios (bench/scenarios/*.ts) with autocannon, always starting the machine's
 * ceiling (ceiling-fastify) first and pairing every measured round of a scenario with a ceiling
 * round run just before it; reports medians over rounds and each scenario's ratio to the ceiling. Servers under test run in child processes; this process
 * only generates load. Exits non-zero if any scenario failed to start, saw errors or timeouts,
 * or got a status it did not expect. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { isScenario, type Scenario, type ScenarioFigures, type ScenarioTarget } from './lib/scenario.ts';
import { runLoad, type LoadOptions, type RoundResult } from './lib/load.ts';
import { livePids, processGroupsCpuMs, REPO_ROOT } from './lib/spawn.ts';
import { formatTable, median } from './lib/stats.ts';

const CEILING = 'ceiling-fastify';
const SCENARIO_DIR = join(REPO_ROOT, 'bench', 'scenarios');
const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

const HELP = `usage: npm run bench -- [options]

  --scenario NAME    run only this scenario (repeatable, or comma-separated); the ceiling
                     (${CEILING}) always runs first
  --duration S       seconds per measured round (default 5)
  --rounds N         measured rounds per scenario (default 3); figures are medians over rounds
  --warmup S         seconds of unmeasured load before the rounds (default 2; 0 to skip)
  --connections N    concurrent connections (default 50)
  --pipelining N     requests in flight per connection (default 1)
  --workers N        autocannon worker threads (default 0: the harness's main thread)
  --verbose          echo the servers' output
  --list             list the scenarios and exit
  --help             this text`;

interface Args {
  scenarios: string[];
  list: boolean;
  rounds: number;
  warmupSeconds: number;
  load: LoadOptions;
}

function parseCommandLine(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', multiple: true },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      pipelining: { type: 'string' },
      workers: { type: 'string' },
      verbose: { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const int = (name: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      throw new UsageError(`--${name} must be a whole number >= ${min} (got "${raw}")`);
    }
    return n;
  };
  if (values.verbose) process.env.BENCH_VERBOSE = '1';
  return {
    scenarios: (values.scenario ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean),
    list: Boolean(values.list),
    rounds: int('rounds', values.rounds, 3, 1),
    warmupSeconds: int('warmup', values.warmup, 2, 0),
    load: {
      durationSeconds: int('duration', values.duration, 5, 1),
      connections: int('connections', values.connections, 50, 1),
      pipelining: int('pipelining', values.pipelining, 1, 1),
      workers: int('workers', values.workers, 0, 0),
    },
  };
}

class UsageError extends Error {}

async function discoverScenarios(): Promise<Map<string, Scenario>> {
  const files = (await readdir(SCENARIO_DIR))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts') && !f.startsWith('_'))
    .sort();
  const found = new Map<string, Scenario>();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(SCENARIO_DIR, file)).href)) as { default?: unknown };
    if (!isScenario(mod.default)) {
      throw new Error(`bench/scenarios/${file} does not default-export { name, description, setup() or run() }`);
    }
    const scenario = mod.default;
    if (found.has(scenario.name)) throw new Error(`two scenarios are named "${scenario.name}"`);
    found.set(scenario.name, scenario);
  }
  if (!found.has(CEILING)) throw new Error(`the ceiling scenario ${CEILING} is missing from bench/scenarios/`);
  return found;
}

interface ScenarioReport {
  name: string;
  description: string;
  ok: boolean;
  problems: string[];
  target?: { url: string; method: string; bodyBytes: number; expectStatus: number | null };
  warmup?: RoundResult;
  rounds: MeasuredRound[];
  median?: {
    requestsPerSecond: number;
    latencyP50Ms: number;
    latencyP99Ms: number;
    /** Null where /proc is not available (not Linux). */
    serverCpuUsPerRequest: number | null;
  };
  /**
   * Median over rounds of (this round's req/s ÷ the ceiling round run just before it): each
   * scenario round is paired with a ceiling round, so both see the same machine.
   */
  ratioToCeiling?: number;
  /** The ceiling's req/s in the rounds paired with this scenario's, in order. */
  pairedCeilingRequestsPerSecond?: number[];
  /**
   * Median over rounds of (the paired ceiling round's server CPU per request ÷ this round's):
   * the share of the ceiling's efficiency this path keeps. Steadier than ratioToCeiling when
   * other work competes for the cores, since CPU time per request barely depends on it.
   */
  cpuRatioToCeiling?: number;
  totals: { requests: number; errors: number; timeouts: number; non2xx: number; unexpectedStatuses: number };
  /** HTTP scenarios with extraReport(): the figures it returned after the last round. */
  extra?: ScenarioFigures;
  /** run() scenarios (not HTTP): every round's figures, and the median of each numeric one. */
  figures?: { rounds: ScenarioFigures[]; median: ScenarioFigures };
}

/** A measured round plus the CPU its server processes used meanwhile. */
interface MeasuredRound extends RoundResult {
  serverCpuMs: number | null;
  serverCpuUsPerRequest: number | null;
}

interface Running {
  scenario: Scenario;
  report: ScenarioReport;
  /** Undefined when setup failed. */
  target: ScenarioTarget | undefined;
  /** The process groups its setup() spawned (each spawned server leads one). */
  serverGroups: number[];
  ratios: number[];
  cpuRatios: number[];
  log(message: string): void;
}

function checkRound(round: RoundResult, phase: string, problems: string[], target: ScenarioTarget) {
  if (round.errors > 0) {
    problems.push(`${phase}: ${round.errors} errors (${round.timeouts} timeouts)`);
  }
  if (round.unexpectedStatuses > 0) {
    const want = target.expectStatus ?? '2xx';
    problems.push(`${phase}: ${round.unexpectedStatuses} responses were not ${want} (statuses: ${JSON.stringify(round.statusCodes)})`);
  }
  if (round.requests === 0) problems.push(`${phase}: no request completed`);
}

/** setup() and the warm-up. */
async function start(scenario: Scenario, args: Args): Promise<Running> {
  const report: ScenarioReport = {
    name: scenario.name,
    description: scenario.description,
    ok: false,
    problems: [],
    rounds: [],
    totals: { requests: 0, errors: 0, timeouts: 0, non2xx: 0, unexpectedStatuses: 0 },
  };
  const log = (msg: string) => process.stderr.write(`[bench] ${scenario.name}: ${msg}\n`);
  const running: Running = { scenario, report, target: undefined, serverGroups: [], ratios: [], cpuRatios: [], log };
  log('starting');
  const before = new Set(livePids());
  try {
    if (!scenario.setup) throw new Error('the scenario has no setup()');
    running.target = await scenario.setup();
    running.serverGroups = livePids().filter((pid) => !before.has(pid));
  } catch (err) {
    report.problems.push(`setup failed: ${(err as Error).message}`);
    return running;
  }
  const target = running.target;
  report.target = {
    url: target.url,
    method: target.method,
    bodyBytes: target.body === undefined ? 0 : Buffer.byteLength(target.body),
    expectStatus: target.expectStatus ?? null,
  };
  if (args.warmupSeconds > 0) {
    log(`warm-up ${args.warmupSeconds}s`);
    try {
      report.warmup = await runLoad(target, { ...args.load, durationSeconds: args.warmupSeconds });
      checkRound(report.warmup, 'warm-up', report.problems, target);
    } catch (err) {
      report.problems.push(`warm-up failed: ${(err as Error).message}`);
    }
  }
  return running;
}

/** One measured round; undefined if the load generator itself failed. */
async function measure(running: Running, args: Args, label: string): Promise<MeasuredRound | undefined> {
  const { report, target, log } = running;
  if (!target) return undefined;
  try {
    const cpuBefore = processGroupsCpuMs(running.serverGroups);
    const load = await runLoad(target, args.load);
    const cpuAfter = processGroupsCpuMs(running.serverGroups);
    const serverCpuMs = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
    const round: MeasuredRound = {
      ...load,
      serverCpuMs,
      serverCpuUsPerRequest: serverCpuMs === null || load.requests === 0 ? null : (serverCpuMs * 1000) / load.requests,
    };
    report.rounds.push(round);
    checkRound(round, label, report.problems, target);
    log(
      `${label}: ${Math.round(round.requestsPerSecond)} req/s, p50 ${round.latencyMs.p50} ms, ` +
        `p99 ${round.latencyMs.p99} ms, errors ${round.errors}, non-2xx ${round.non2xx}` +
        (round.serverCpuUsPerRequest === null ? '' : `, server CPU ${Math.round(round.serverCpuUsPerRequest)} µs/req`),
    );
    return round;
  } catch (err) {
    report.problems.push(`${label}: load failed: ${(err as Error).message}`);
    return undefined;
  }
}

/** teardown() and the summary figures. */
async function finish(running: Running, expectedRounds: number): Promise<ScenarioReport> {
  const { report, target } = running;
  if (target?.extraReport && report.rounds.length > 0) {
    running.log('extra report');
    try {
      report.extra = await target.extraReport();
    } catch (err) {
      report.problems.push(`extra report failed: ${(err as Error).message}`);
    }
  }
  if (target) {
    try {
      await target.teardown();
    } catch (err) {
      report.problems.push(`teardown failed: ${(err as Error).message}`);
    }
  }
  for (const r of [...(report.warmup ? [report.warmup] : []), ...report.rounds]) {
    report.totals.requests += r.requests;
    report.totals.errors += r.errors;
    report.totals.timeouts += r.timeouts;
    report.totals.non2xx += r.non2xx;
    report.totals.unexpectedStatuses += r.unexpectedStatuses;
  }
  if (report.rounds.length > 0) {
    report.median = {
      requestsPerSecond: median(report.rounds.map((r) => r.requestsPerSecond)),
      latencyP50Ms: median(report.rounds.map((r) => r.latencyMs.p50)),
      latencyP99Ms: median(report.rounds.map((r) => r.latencyMs.p99)),
      serverCpuUsPerRequest: report.rounds.every((r) => r.serverCpuUsPerRequest !== null)
        ? median(report.rounds.map((r) => r.serverCpuUsPerRequest!))
        : null,
    };
  }
  if (running.ratios.length > 0) report.ratioToCeiling = median(running.ratios);
  if (running.cpuRatios.length > 0) report.cpuRatioToCeiling = median(running.cpuRatios);
  if (report.rounds.length < expectedRounds && report.problems.length === 0) {
    report.problems.push(`only ${report.rounds.length} of ${expectedRounds} rounds ran`);
  }
  report.ok = report.problems.length === 0;
  return report;
}

/** A run() scenario: its rounds one after another, no load generator and no ceiling pairing. */
async function runFigures(scenario: Scenario, args: Args): Promise<ScenarioReport> {
  const report: ScenarioReport = {
    name: scenario.name,
    description: scenario.description,
    ok: false,
    problems: [],
    rounds: [],
    totals: { requests: 0, errors: 0, timeouts: 0, non2xx: 0, unexpectedStatuses: 0 },
  };
  const rounds: ScenarioFigures[] = [];
  for (let i = 1; i <= args.rounds; i++) {
    process.stderr.write(`[bench] ${scenario.name}: round ${i}/${args.rounds}\n`);
    try {
      const figures = await scenario.run!();
      rounds.push(figures);
      process.stderr.write(`[bench] ${scenario.name}: round ${i}/${args.rounds}: ${JSON.stringify(figures)}\n`);
    } catch (err) {
      report.problems.push(`round ${i}: ${(err as Error).message}`);
    }
  }
  const median_: ScenarioFigures = {};
  for (const key of new Set(rounds.flatMap((r) => Object.keys(r)))) {
    const values = rounds.map((r) => r[key]).filter((v) => v !== undefined);
    const numbers = values.filter((v): v is number => typeof v === 'number');
    median_[key] = numbers.length === values.length ? median(numbers) : String(values[values.length - 1]);
  }
  report.figures = { rounds, median: median_ };
  report.ok = report.problems.length === 0 && rounds.length === args.rounds;
  return report;
}

/**
 * The ceiling is started first and stays up for the whole run. Each other scenario is started
 * in turn (one at a time: its server is stopped before the next starts) and each of its rounds
 * is paired with a ceiling round run just before it, so a busy machine slows both alike and the
 * ratio stays meaningful.
 */
async function runAll(all: Map<string, Scenario>, order: string[], args: Args): Promise<ScenarioReport[]> {
  const ceiling = await start(all.get(CEILING)!, args);
  const others = order.filter((n) => n !== CEILING);
  const reports: ScenarioReport[] = [];
  if (others.every((n) => all.get(n)!.run)) {
    for (let i = 1; i <= args.rounds; i++) await measure(ceiling, args, `round ${i}/${args.rounds}`);
  }
  let pairedRuns = 0;
  for (const name of others) {
    if (all.get(name)!.run) {
      reports.push(await runFigures(all.get(name)!, args));
      continue;
    }
    const running = await start(all.get(name)!, args);
    if (running.target) {
      pairedRuns++;
      running.report.pairedCeilingRequestsPerSecond = [];
      for (let i = 1; i <= args.rounds; i++) {
        const c = await measure(ceiling, args, `round ${i}/${args.rounds} (paired with ${name})`);
        const r = await measure(running, args, `round ${i}/${args.rounds}`);
        if (c && r && c.requestsPerSecond > 0) {
          running.ratios.push(r.requestsPerSecond / c.requestsPerSecond);
          running.report.pairedCeilingRequestsPerSecond.push(c.requestsPerSecond);
        }
        if (c?.serverCpuUsPerRequest && r?.serverCpuUsPerRequest) {
          running.cpuRatios.push(c.serverCpuUsPerRequest / r.serverCpuUsPerRequest);
        }
      }
    }
    reports.push(await finish(running, args.rounds));
    await sleep(500); // let the server's exit settle before the next one starts
  }
  const ceilingReport = await finish(ceiling, args.rounds * Math.max(1, pairedRuns));
  if (ceilingReport.rounds.length > 0) {
    ceilingReport.ratioToCeiling = 1;
    if (ceilingReport.median?.serverCpuUsPerRequest) ceilingReport.cpuRatioToCeiling = 1;
  }
  return [ceilingReport, ...reports];
}

function gitRevision(): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    return { commit, dirty: status.length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

function printTable(reports: ScenarioReport[]) {
  const fmt = (n: number | undefined, digits = 0) =>
    n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const rows = reports.filter((r) => !r.figures).map((r) => {
    const rps = r.rounds.map((x) => x.requestsPerSecond);
    return [
      r.name,
      fmt(r.median?.requestsPerSecond),
      rps.length > 1 ? `${fmt(Math.min(...rps))}–${fmt(Math.max(...rps))}` : '-',
      fmt(r.median?.latencyP50Ms, 1),
      fmt(r.median?.latencyP99Ms, 1),
      `${r.totals.errors}/${r.totals.non2xx}`,
      r.ratioToCeiling === undefined ? '-' : r.ratioToCeiling.toFixed(2),
      fmt(r.median?.serverCpuUsPerRequest ?? undefined),
      r.cpuRatioToCeiling === undefined ? '-' : r.cpuRatioToCeiling.toFixed(2),
      r.ok ? 'ok' : 'FAIL',
    ];
  });
  console.log(
    '\n' +
      formatTable(
        ['scenario', 'req/s (median)', 'req/s range', 'p50 ms', 'p99 ms', 'errors/non-2xx', 'vs ceiling', 'CPU µs/req', 'CPU vs ceiling', 'status'],
        rows,
        [false, true, true, true, true, true, true, true, true, false],
      ),
  );
  const figureRows = reports.flatMap((r) =>
    Object.entries(r.figures?.median ?? {}).map(([key, value], i) => {
      const all = r.figures!.rounds.map((x) => x[key]).filter((v): v is number => typeof v === 'number');
      const digits = typeof value === 'number' && Math.abs(value) < 100 && !Number.isInteger(value) ? 2 : 0;
      return [
        i === 0 ? r.name : '',
        key,
        typeof value === 'number' ? fmt(value, digits) : value,
        all.length > 1 ? `${fmt(Math.min(...all), digits)}–${fmt(Math.max(...all), digits)}` : '-',
        i === 0 ? (r.ok ? 'ok' : 'FAIL') : '',
      ];
    }),
  );
  if (figureRows.length > 0) {
    console.log('\n' + formatTable(['scenario', 'figure', 'median', 'range', 'status'], figureRows, [false, false, true, true, false]));
  }
  const extraRows = reports.flatMap((r) =>
    Object.entries(r.extra ?? {}).map(([key, value], i) => [
      i === 0 ? r.name : '',
      key,
      typeof value === 'number' ? fmt(value, Math.abs(value) < 100 && !Number.isInteger(value) ? 2 : 0) : value,
    ]),
  );
  if (extraRows.length > 0) console.log('\n' + formatTable(['scenario', 'extra figure', 'value'], extraRows, [false, false, false]));
}

async function main() {
  const args = parseCommandLine(process.argv.slice(2));
  const all = await discoverScenarios();
  if (args.list) {
    for (const s of all.values()) console.log(`${s.name.padEnd(24)} ${s.description}`);
    return 0;
  }
  const unknown = args.scenarios.filter((name) => !all.has(name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown scenario(s): ${unknown.join(', ')}; known: ${[...all.keys()].join(', ')}`);
  }
  const chosen = args.scenarios.length > 0 ? args.scenarios : [...all.keys()];
  const order = [CEILING, ...new Set(chosen.filter((n) => n !== CEILING))];

  // Samvad runs as `npm start` runs it: the compiled bundle (bin/samvad.js falls back to the
  // sources when it is older than src/, which would measure tsx's loader too).
  execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: REPO_ROOT, stdio: 'inherit' });

  const startedAt = new Date();
  const cpu = cpus();
  const loadAtStart = loadavg()[0]!;
  if (loadAtStart > cpu.length / 2) {
    process.stderr.write(
      `[bench] note: the 1-minute load average is ${loadAtStart.toFixed(2)} on ${cpu.length} CPUs — ` +
        `something else is busy, so absolute figures will be low and noisy\n`,
    );
  }
  process.stderr.write(
    `[bench] ${order.join(', ')} — ${args.rounds} × ${args.load.durationSeconds}s after ${args.warmupSeconds}s warm-up, ` +
      `${args.load.connections} connections, pipelining ${args.load.pipelining}, ${cpu.length} CPUs\n`,
  );

  const reports = await runAll(all, order, args);

  const finishedAt = new Date();
  const output = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    git: gitRevision(),
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? null,
      totalMemoryBytes: totalmem(),
      platform: `${platform()} ${release()}`,
      node: process.version,
      loadAverage1mAtStart: loadAtStart,
      loadAverage1mAtEnd: loadavg()[0]!,
    },
    options: {
      rounds: args.rounds,
      durationSeconds: args.load.durationSeconds,
      warmupSeconds: args.warmupSeconds,
      connections: args.load.connections,
      pipelining: args.load.pipelining,
      workers: args.load.workers,
      note: 'load generator (autocannon) in the harness process; servers in child processes on the same machine',
    },
    ceiling: CEILING,
    scenarios: reports,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  // ISO 8601 with ':' replaced, so the name is valid on every file system.
  const file = join(RESULTS_DIR, `${startedAt.toISOString().replace(/:/g, '-')}.json`);
  await writeFile(file, JSON.stringify(output, null, 2) + '\n');

  printTable(reports);
  console.log(`\nresults: ${file}`);
  const failed = reports.filter((r) => !r.ok);
  for (const r of failed) {
    console.error(`\nFAIL ${r.name}:\n  ${r.problems.join('\n  ') || 'incomplete rounds'}`);
  }
  return failed.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`bench: ${(err as Error).message}\n\n${HELP}`);
    process.exitCode = 2;
  } else {
    console.error(err);
    process.exitCode = 1;
  }
}
