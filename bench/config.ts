import { join, resolve } from 'node:path';

/** The repository root, seen from the compiled file (node_modules/.cache/chat-bench/bench/config.js). */
export const REPO_ROOT = resolve(__dirname, '../../../..');

/** Compiled benchmark and default profile folder: ignored by git, prettier and oxlint alike. */
export const BENCH_CACHE_DIR = join(
  REPO_ROOT,
  'node_modules/.cache/chat-bench',
);

export interface BenchConfig {
  /** A PostgreSQL server URL; each run creates its own `bench_<random>` database there and drops it. */
  postgresUrl: string;
  /** Widget sockets, one session each, every one with a message in flight (closed loop). */
  sockets: number;
  /** Messages each socket sends before measuring starts (not counted). */
  warmupMessagesPerSocket: number;
  /** Messages each socket sends while measured. */
  measuredMessagesPerSocket: number;
  /** Rounds of (baseline, app), so machine noise shows. */
  rounds: number;
  /** Whether to add a round of the app under its default rate limits (with a load that fits them). */
  defaultLimitsRound: boolean;
  /** BENCH_METRICS=true: every round also runs the app with METRICS_ENABLED, scraped every second. */
  metricsRuns: boolean;
  /** BENCH_CPU_PROFILE (a folder, or 1 for the cache's profiles/): both servers run with --cpu-prof. */
  cpuProfileDir: string | undefined;
  ackTimeoutMs: number;
}

function positiveInteger(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(
      `${name} must be a whole number of at least 1 (got "${raw}")`,
    );
  }
  return value;
}

/** Every knob of `npm run bench`, from BENCH_* environment variables; the defaults take 1–2 minutes on 2 cores. */
export function readBenchConfig(
  env: NodeJS.ProcessEnv = process.env,
): BenchConfig {
  const profile = env.BENCH_CPU_PROFILE?.trim();
  return {
    postgresUrl:
      env.BENCH_POSTGRES_URL || 'postgresql://postgres@127.0.0.1:5432/postgres',
    sockets: positiveInteger(env, 'BENCH_SOCKETS', 32),
    warmupMessagesPerSocket: positiveInteger(env, 'BENCH_WARMUP', 50),
    measuredMessagesPerSocket: positiveInteger(env, 'BENCH_MESSAGES', 300),
    rounds: positiveInteger(env, 'BENCH_ROUNDS', 3),
    defaultLimitsRound: env.BENCH_DEFAULT_LIMITS !== 'false',
    metricsRuns: env.BENCH_METRICS === 'true',
    cpuProfileDir: !profile
      ? undefined
      : profile === '1'
        ? join(BENCH_CACHE_DIR, 'profiles')
        : resolve(profile),
    ackTimeoutMs: positiveInteger(env, 'BENCH_ACK_TIMEOUT_MS', 10_000),
  };
}
