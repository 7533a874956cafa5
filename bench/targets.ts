import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseSettings, type Settings } from '../src/config/settings';
import { REPO_ROOT } from './config';
import {
  freePort,
  type ServerLaunch,
  type ServerProcess,
  startServer,
} from './server-process';

export type ServerKind = 'baseline' | 'app';

/** `raised`: limits far above the load, so nothing is throttled; `default`: production's own defaults. */
export type LimitsMode = 'raised' | 'default';

export interface Target {
  kind: ServerKind;
  limits: LimitsMode;
  /** The app with METRICS_ENABLED, scraped as Prometheus would while the load runs. */
  metrics?: boolean;
}

/** A started server and what a load needs to talk to it. */
export interface RunningTarget {
  readonly url: string;
  /** The access token of the admin socket (the baseline's /admin takes anyone). */
  readonly adminToken: string | undefined;
  readonly server: ServerProcess;
}

export const APP_SCRIPT = join(REPO_ROOT, 'dist/main.js');
const BASELINE_SCRIPT = join(__dirname, 'baseline-server.js');

const ADMIN_EMAIL = 'bench@example.com';
const ADMIN_PASSWORD = 'bench-password-not-secret';
/** The bearer token of the app's /metrics, when metrics are on. */
export const METRICS_TOKEN = 'bench-metrics-token-not-secret'.padEnd(40, 'x');

/** The highest values src/config/settings.ts accepts. */
const RAISED_LIMITS = {
  WIDGET_EVENTS_PER_MINUTE: '1000000',
  WIDGET_EVENT_BURST: '1000000',
  WIDGET_EVENTS_PER_MINUTE_PER_IP: '10000000',
  MAX_CONNECTIONS_PER_IP: '100000',
  HTTP_WRITES_PER_MINUTE_PER_IP: '1000000',
  NEW_SESSIONS_PER_HOUR_PER_IP: '10000000',
};

export function describeTarget(target: Target): string {
  if (target.kind !== 'app') return target.kind;
  if (target.metrics) return 'app (metrics on)';
  return target.limits === 'default' ? 'app (default limits)' : 'app';
}

/** What makes the app production's: its limits are then production's defaults (human-scale). */
const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: 'bench-jwt-secret-'.padEnd(48, 'x'),
};

/** The settings of the app under `limits: 'default'`, for sizing a load that fits them. */
export function defaultLimitsSettings(): Settings {
  return parseSettings(PRODUCTION);
}

/** The app as it is served in production, with the AI off and logs at warn, so only the hot path runs. */
function appEnvironment(
  databaseUrl: string,
  { limits, metrics }: Target,
): Record<string, string> {
  return {
    ...PRODUCTION,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AI_API_KEYS: '',
    OPENAI_API_KEY: '',
    REDIS_URL: '',
    ...(limits === 'raised' ? RAISED_LIMITS : {}),
    ...(metrics ? { METRICS_ENABLED: 'true', METRICS_TOKEN } : {}),
  };
}

function launchOf(
  target: Target,
  databaseUrl: string,
  workDir: string,
  cpuProfileDir: string | undefined,
): ServerLaunch {
  const nodeArgs = cpuProfileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`]
    : [];
  const common = { label: describeTarget(target), cwd: workDir, nodeArgs };
  return target.kind === 'app'
    ? {
        ...common,
        script: APP_SCRIPT,
        env: appEnvironment(databaseUrl, target),
      }
    : {
        ...common,
        script: BASELINE_SCRIPT,
        env: { NODE_ENV: 'production', DATABASE_URL: databaseUrl },
      };
}

async function logIn(url: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  if (!response.ok) {
    throw new Error(
      `admin login failed: ${response.status} ${await response.text()}`,
    );
  }
  return ((await response.json()) as { accessToken: string }).accessToken;
}

export function assertAppBuilt(): void {
  if (!existsSync(APP_SCRIPT)) {
    throw new Error(`${APP_SCRIPT} is missing: run npm run build first`);
  }
}

/**
 * Starts a server on a free port against the given database. The working directory is a scratch
 * folder, so a developer's `.env` or `.data` never changes what is measured.
 */
export async function startTarget(
  target: Target,
  databaseUrl: string,
  workDir: string,
  cpuProfileDir: string | undefined,
): Promise<RunningTarget> {
  const server = await startServer(
    launchOf(target, databaseUrl, workDir, cpuProfileDir),
    await freePort(),
  );
  try {
    const adminToken =
      target.kind === 'app' ? await logIn(server.url) : undefined;
    return { url: server.url, adminToken, server };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
