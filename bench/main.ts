/**
 * `npm run bench`: the user-message hot path of the built app against the raw socket.io + pg baseline
 * (ARCHITECTURE.md, "The hot path has a budget"), in alternating rounds so machine noise shows.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchConfig, readBenchConfig } from './config';
import { applyAppMigrations, createBenchDatabase } from './database';
import { type LoadPlan, runLoad } from './load';
import { findProfileOf } from './profile-summary';
import { formatReport, problemsOf, type RunOutcome } from './report';
import { summarize } from './stats';
import {
  assertAppBuilt,
  defaultLimitsSettings,
  describeTarget,
  METRICS_TOKEN,
  type RunningTarget,
  startTarget,
  type Target,
} from './targets';

/** Share of the default budgets the default-limits load may spend, leaving room for timing slack. */
const BUDGET_SHARE = 0.9;

interface RunSpec {
  round: string;
  target: Target;
  plan: LoadPlan;
}

/** Undo steps of the run in progress, so Ctrl-C still stops servers and drops databases. */
const pendingCleanups = new Set<() => Promise<void>>();

async function withCleanup<T>(
  cleanup: () => Promise<void>,
  work: () => Promise<T>,
): Promise<T> {
  pendingCleanups.add(cleanup);
  try {
    return await work();
  } finally {
    pendingCleanups.delete(cleanup);
    await cleanup();
  }
}

function cleanUpOnInterrupt(): void {
  process.once('SIGINT', () => {
    process.stderr.write(
      '\nInterrupted: stopping servers, dropping databases…\n',
    );
    void Promise.allSettled(
      [...pendingCleanups].map((cleanup) => cleanup()),
    ).finally(() => process.exit(130));
  });
}

function mainPlan(config: BenchConfig): LoadPlan {
  return {
    sockets: config.sockets,
    warmupMessagesPerSocket: config.warmupMessagesPerSocket,
    measuredMessagesPerSocket: config.measuredMessagesPerSocket,
    ackTimeoutMs: config.ackTimeoutMs,
  };
}

/**
 * The default limits are human-scale (a socket: bursts of 20 events, then one a second; an address: 1200
 * events a minute and 30 new sessions an hour, as token buckets that start full), so they cannot carry a
 * sustained closed loop from one machine. What fits is one burst within the full buckets, so this plan
 * spends at most 90% of them, init_session events (one new session per socket) included.
 */
function defaultLimitsPlan(config: BenchConfig): LoadPlan {
  const defaults = defaultLimitsSettings();
  const sockets = Math.min(
    config.sockets,
    defaults.maxConnectionsPerIp - 1,
    Math.floor(defaults.newSessionsPerHourPerIp * BUDGET_SHARE),
  );
  const ipMessageBudget =
    Math.floor(defaults.widgetEventsPerMinutePerIp * BUDGET_SHARE) - sockets;
  const perSocket = Math.min(
    Math.floor(defaults.widgetEventBurst * BUDGET_SHARE) - 1,
    Math.floor(ipMessageBudget / sockets),
  );
  const warmup = Math.min(
    config.warmupMessagesPerSocket,
    Math.floor(perSocket / 4),
  );
  return {
    sockets,
    warmupMessagesPerSocket: warmup,
    measuredMessagesPerSocket: perSocket - warmup,
    ackTimeoutMs: config.ackTimeoutMs,
  };
}

/** Baseline, app (and app with metrics on), baseline, app, …, then the pair under the default limits. */
function schedule(config: BenchConfig): RunSpec[] {
  const specs: RunSpec[] = [];
  const targets: Target[] = [
    { kind: 'baseline', limits: 'raised' },
    { kind: 'app', limits: 'raised' },
  ];
  if (config.metricsRuns) {
    targets.push({ kind: 'app', limits: 'raised', metrics: true });
  }
  for (let round = 1; round <= config.rounds; round++) {
    for (const target of targets) {
      specs.push({ round: String(round), target, plan: mainPlan(config) });
    }
  }
  if (config.defaultLimitsRound) {
    const plan = defaultLimitsPlan(config);
    specs.push(
      { round: 'limits', target: { kind: 'baseline', limits: 'raised' }, plan },
      { round: 'limits', target: { kind: 'app', limits: 'default' }, plan },
    );
  }
  return specs;
}

const errorText = (error: unknown) =>
  error instanceof Error ? error.message : String(error);

/**
 * Scrapes /metrics every second while the load runs (Prometheus' default is every 15 s), so that what
 * metrics cost includes being read. `stop` resolves with the first failure, if any.
 */
function scrapeEverySecond(url: string): {
  stop(): Promise<string | undefined>;
} {
  let failure: string | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const scrape = async () => {
    try {
      const response = await fetch(`${url}/metrics`, {
        headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
      });
      const text = await response.text();
      if (!response.ok || !text.includes('chat_messages_committed_total')) {
        failure ??= `GET /metrics answered ${response.status}`;
      }
    } catch (error) {
      failure ??= `GET /metrics failed: ${errorText(error)}`;
    }
  };
  const timer = setInterval(() => {
    inFlight = inFlight.then(scrape);
  }, 1000);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
      return failure;
    },
  };
}

async function inScratchFolder<T>(
  work: (directory: string) => Promise<T>,
): Promise<T> {
  const directory = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  return withCleanup(
    async () => rmSync(directory, { recursive: true, force: true }),
    () => work(directory),
  );
}

async function loadOutcome(
  spec: RunSpec,
  running: RunningTarget,
): Promise<RunOutcome> {
  const scraper = spec.target.metrics ? scrapeEverySecond(running.url) : null;
  try {
    const result = await runLoad(
      running.url,
      running.adminToken,
      spec.plan,
      () => running.server.cpuTimeMicroseconds(),
    );
    const scrapeError = await scraper?.stop();
    if (scrapeError) return { ...spec, result, error: scrapeError };
    return { ...spec, result };
  } catch (error) {
    await scraper?.stop();
    return {
      ...spec,
      error: `${errorText(error)}\n${running.server.output()}`,
    };
  }
}

/** Starts the server, runs the load, stops the server (which writes its CPU profile, if any). */
async function measureOn(
  spec: RunSpec,
  config: BenchConfig,
  databaseUrl: string,
  workDir: string,
): Promise<RunOutcome> {
  const running = await startTarget(
    spec.target,
    databaseUrl,
    workDir,
    config.cpuProfileDir,
  );
  const outcome = await withCleanup(
    () => running.server.stop(),
    () => loadOutcome(spec, running),
  );
  const profilePath = config.cpuProfileDir
    ? findProfileOf(config.cpuProfileDir, running.server.pid)
    : undefined;
  return { ...outcome, profilePath };
}

/** One run: its own database and scratch folder, a fresh server, the load, then everything undone. */
async function measure(
  spec: RunSpec,
  config: BenchConfig,
): Promise<RunOutcome> {
  try {
    const database = await createBenchDatabase(config.postgresUrl);
    return await withCleanup(
      () => database.drop(),
      async () => {
        if (spec.target.kind === 'baseline') {
          await applyAppMigrations(database.url);
        }
        return inScratchFolder((workDir) =>
          measureOn(spec, config, database.url, workDir),
        );
      },
    );
  } catch (error) {
    return { ...spec, error: errorText(error) };
  }
}

function progressLine(outcome: RunOutcome): string {
  const problems = problemsOf(outcome);
  const numbers = outcome.result ? summarize([outcome.result]) : undefined;
  const measured = numbers
    ? `${numbers.throughput.toFixed(0)} msg/s, p99 ${numbers.p99Ms.toFixed(2)} ms`
    : 'no numbers';
  return `${measured}${problems.length > 0 ? ` — ${problems.join('; ')}` : ''}`;
}

/** Other work on the machine moves the numbers; the load average tells the reader how much there was. */
function machineLine(when: string): string {
  const [oneMinute] = loadavg();
  return `Machine: ${availableParallelism()} CPUs, load average ${oneMinute.toFixed(2)} ${when}.`;
}

async function main(): Promise<void> {
  const config = readBenchConfig();
  assertAppBuilt();
  if (config.cpuProfileDir)
    mkdirSync(config.cpuProfileDir, { recursive: true });
  cleanUpOnInterrupt();
  const specs = schedule(config);
  process.stdout.write(`${machineLine('before the first run')}\n`);
  const outcomes: RunOutcome[] = [];
  for (const [index, spec] of specs.entries()) {
    process.stdout.write(
      `[${index + 1}/${specs.length}] round ${spec.round}, ${describeTarget(spec.target)}: `,
    );
    const outcome = await measure(spec, config);
    process.stdout.write(`${progressLine(outcome)}\n`);
    outcomes.push(outcome);
  }
  process.stdout.write(`${formatReport(outcomes)}\n`);
  process.stdout.write(`\n${machineLine('after the last run')}\n`);
  if (config.cpuProfileDir) {
    process.stdout.write(
      `\nCPU profiles (.cpuprofile) in ${config.cpuProfileDir}\n`,
    );
  }
  // Missing a target is a finding, not a failure; a run that could not be measured cleanly is.
  process.exitCode = outcomes.some((outcome) => problemsOf(outcome).length > 0)
    ? 1
    : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`${errorText(error)}\n`);
  process.exit(1);
});
