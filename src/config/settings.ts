import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import proxyAddr from 'proxy-addr';
import { passwordProblem } from '../auth/password-rules';

export type RawEnvironment = Record<string, string | undefined>;

const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelSetting = (typeof LOG_LEVELS)[number];
const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
const AI_API_STYLES = ['responses', 'chat-completions'] as const;
export type AiApiStyle = (typeof AI_API_STYLES)[number];

/** Names of settings whose values must never be echoed, not even in a validation error. */
const SECRET_SETTINGS = new Set([
  'DATABASE_URL',
  'REDIS_URL',
  'JWT_SECRET',
  'ADMIN_PASSWORD',
  'AI_API_KEYS',
  'OPENAI_API_KEY',
  'METRICS_TOKEN',
]);

const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value.trim() === ''
      ? undefined
      : Number(value)
    : value;

const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
  if (['false', '0', 'no', 'off'].includes(normalized)) return false;
  return normalized === '' ? undefined : value;
};

const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0)
    : value;

/** The environment as the operator writes it; each field is checked and converted once, here. */
class EnvironmentVariables {
  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 0 to 65535' })
  @Min(0, { message: 'must be a whole number from 0 to 65535' })
  @Max(65535, { message: 'must be a whole number from 0 to 65535' })
  PORT?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl(
    {
      protocols: ['postgres', 'postgresql'],
      require_tld: false,
      require_protocol: true,
    },
    { message: 'must be a postgresql:// connection URL' },
  )
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  DATA_DIR?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl(
    {
      protocols: ['redis', 'rediss'],
      require_tld: false,
      require_protocol: true,
    },
    { message: 'must be a redis:// URL' },
  )
  REDIS_URL?: string;

  @IsOptional()
  @Transform(toList)
  @IsString({ each: true })
  CORS_ORIGINS?: string[];

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters long' })
  JWT_SECRET?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^\d+[smhd]?$/, {
    message: 'must be seconds, or a number followed by s, m, h or d (e.g. 12h)',
  })
  JWT_EXPIRES_IN?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsEmail({}, { message: 'must be an email address' })
  ADMIN_EMAIL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  ADMIN_PASSWORD?: string;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 100000' })
  @Min(1, { message: 'must be a whole number from 1 to 100000' })
  @Max(100000, { message: 'must be a whole number from 1 to 100000' })
  MESSAGE_MAX_LENGTH?: number;

  @IsOptional()
  @Transform(toList)
  @IsString({ each: true })
  AI_API_KEYS?: string[];

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  OPENAI_API_KEY?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl(
    {
      protocols: ['http', 'https'],
      require_tld: false,
      require_protocol: true,
    },
    { message: 'must be an http(s) URL' },
  )
  AI_BASE_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(AI_API_STYLES, {
    message: `must be one of ${AI_API_STYLES.join(', ')}`,
  })
  AI_API_STYLE?: AiApiStyle;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  AI_MODEL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  AI_SYSTEM_PROMPT?: string;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 0 to 200' })
  @Min(0, { message: 'must be a whole number from 0 to 200' })
  @Max(200, { message: 'must be a whole number from 0 to 200' })
  AI_HISTORY_MESSAGES?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number of milliseconds, at least 100' })
  @Min(100, { message: 'must be a whole number of milliseconds, at least 100' })
  AI_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 0 to 10' })
  @Min(0, { message: 'must be a whole number from 0 to 10' })
  @Max(10, { message: 'must be a whole number from 0 to 10' })
  AI_MAX_RETRIES?: number;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  AI_DEFAULT_ENABLED?: boolean;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  AI_PAUSE_ON_ADMIN_REPLY?: boolean;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 1000000' })
  @Min(1, { message: 'must be a whole number from 1 to 1000000' })
  @Max(1000000, { message: 'must be a whole number from 1 to 1000000' })
  HISTORY_READS_PER_MINUTE_PER_IP?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 1000000' })
  @Min(1, { message: 'must be a whole number from 1 to 1000000' })
  @Max(1000000, { message: 'must be a whole number from 1 to 1000000' })
  HISTORY_READS_PER_MINUTE_PER_AGENT?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 100000' })
  @Min(1, { message: 'must be a whole number from 1 to 100000' })
  @Max(100000, { message: 'must be a whole number from 1 to 100000' })
  AI_REPLIES_PER_SESSION?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 1000000' })
  @Min(1, { message: 'must be a whole number from 1 to 1000000' })
  @Max(1000000, { message: 'must be a whole number from 1 to 1000000' })
  AI_REPLIES_PER_HOUR_PER_IP?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 100000000' })
  @Min(1, { message: 'must be a whole number from 1 to 100000000' })
  @Max(100000000, { message: 'must be a whole number from 1 to 100000000' })
  AI_REPLIES_PER_DAY?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1000 to 1000000' })
  @Min(1000, { message: 'must be a whole number from 1000 to 1000000' })
  @Max(1000000, { message: 'must be a whole number from 1000 to 1000000' })
  AI_CONTEXT_MAX_CHARS?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 1000000' })
  @Min(1, { message: 'must be a whole number from 1 to 1000000' })
  @Max(1000000, { message: 'must be a whole number from 1 to 1000000' })
  SESSION_MAX_MESSAGES?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number of days from 1 to 36500' })
  @Min(1, { message: 'must be a whole number of days from 1 to 36500' })
  @Max(36500, { message: 'must be a whole number of days from 1 to 36500' })
  RETENTION_DAYS?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 1000000' })
  @Min(1, { message: 'must be a whole number from 1 to 1000000' })
  @Max(1000000, { message: 'must be a whole number from 1 to 1000000' })
  WIDGET_EVENTS_PER_MINUTE?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 1000000' })
  @Min(1, { message: 'must be a whole number from 1 to 1000000' })
  @Max(1000000, { message: 'must be a whole number from 1 to 1000000' })
  WIDGET_EVENT_BURST?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 10000000' })
  @Min(1, { message: 'must be a whole number from 1 to 10000000' })
  @Max(10000000, { message: 'must be a whole number from 1 to 10000000' })
  WIDGET_EVENTS_PER_MINUTE_PER_IP?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 100000' })
  @Min(1, { message: 'must be a whole number from 1 to 100000' })
  @Max(100000, { message: 'must be a whole number from 1 to 100000' })
  MAX_CONNECTIONS_PER_IP?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 1000000' })
  @Min(1, { message: 'must be a whole number from 1 to 1000000' })
  @Max(1000000, { message: 'must be a whole number from 1 to 1000000' })
  HTTP_WRITES_PER_MINUTE_PER_IP?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 10000000' })
  @Min(1, { message: 'must be a whole number from 1 to 10000000' })
  @Max(10000000, { message: 'must be a whole number from 1 to 10000000' })
  NEW_SESSIONS_PER_HOUR_PER_IP?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  TRUST_PROXY?: string;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number from 1 to 1000' })
  @Min(1, { message: 'must be a whole number from 1 to 1000' })
  @Max(1000, { message: 'must be a whole number from 1 to 1000' })
  LOGIN_MAX_ATTEMPTS?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be a whole number of milliseconds, at least 100' })
  @Min(100, { message: 'must be a whole number of milliseconds, at least 100' })
  LOGIN_WINDOW_MS?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: LogLevelSetting;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` })
  LOG_FORMAT?: LogFormat;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  METRICS_ENABLED?: boolean;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters long' })
  METRICS_TOKEN?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(['development', 'production', 'test'], {
    message: 'must be development, production or test',
  })
  NODE_ENV?: 'development' | 'production' | 'test';
}

/** Typed, validated settings: the only view of the environment the rest of the app gets. */
export interface Settings {
  port: number;
  nodeEnv: 'development' | 'production' | 'test';
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  corsOrigins: string[];
  jwtSecret: string | undefined;
  jwtExpiresInSeconds: number;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  messageMaxLength: number;
  aiApiKeys: string[];
  aiBaseUrl: string;
  aiApiStyle: AiApiStyle;
  aiModel: string;
  aiSystemPrompt: string;
  aiHistoryMessages: number;
  aiTimeoutMs: number;
  aiMaxRetries: number;
  aiDefaultEnabled: boolean;
  aiPauseOnAdminReply: boolean;
  /** Message history reads (REST and widget `sync`) per visitor address per minute. */
  historyReadsPerMinutePerIp: number;
  /** `get-messages` per agent account per minute. */
  historyReadsPerMinutePerAgent: number;
  /** AI replies one session may get in any 24 hours (counted in the database). */
  aiRepliesPerSession: number;
  /** AI replies the sessions of one address (the one each session was opened from) may get per hour. */
  aiRepliesPerHourPerIp: number;
  /** AI replies the whole deployment may give in any 24 hours (counted in the database). */
  aiRepliesPerDay: number;
  /** Characters of context one reply sends: system prompt plus as many of the latest messages as fit. */
  aiContextMaxChars: number;
  /** Messages a session may hold before visitors' messages are refused. */
  sessionMaxMessages: number;
  /** Resolved sessions untouched this many days are erased; undefined keeps them forever. */
  retentionDays: number | undefined;
  /** Widget events a socket may send per minute, sustained, once its burst is spent. */
  widgetEventsPerMinute: number;
  /** Widget events a socket may send at once. */
  widgetEventBurst: number;
  /** Widget events all sockets of one IP may send per minute (a burst of that many is fine). */
  widgetEventsPerMinutePerIp: number;
  /** Open connections per IP: engine connections of both namespaces, and widget sockets. */
  maxConnectionsPerIp: number;
  /** POST /api/chat/session and POST /api/chat/message per IP per minute. */
  httpWritesPerMinutePerIp: number;
  /** New sessions (init_session starting one, POST /api/chat/session) per IP per hour. */
  newSessionsPerHourPerIp: number;
  /** Failed logins per account from one address within loginWindowMs; LoginThrottle derives the wider budgets. */
  loginMaxAttempts: number;
  loginWindowMs: number;
  /** Which peers are proxies whose X-Forwarded-For entries count (see TrustProxy). */
  trustProxy: TrustProxy;
  logLevel: LogLevelSetting;
  /** One JSON object per line (production's default), or Nest's pretty lines (development's). */
  logFormat: LogFormat;
  /** Whether GET /metrics answers (Prometheus text format), to requests bearing metricsToken. */
  metricsEnabled: boolean;
  metricsToken: string | undefined;
}

/**
 * TRUST_PROXY in Express's `trust proxy` terms: `false` trusts no peer, a number trusts that many hops next
 * to the server, a list trusts peers at those addresses or ranges (proxy-addr's syntax). `true` is read as
 * one hop: Express's own `true` trusts every hop, which takes the left-most X-Forwarded-For entry, the one
 * the client writes.
 */
export type TrustProxy = false | number | string[];

export class InvalidSettingError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid setting ${variable}: ${reason}`);
    this.name = 'InvalidSettingError';
  }
}

export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful assistant answering visitors of this website in its chat widget. ' +
  'Be concise and friendly. If you cannot help, say that a person from the team will answer.';

/**
 * Defaults of the limits a stranger can meet. In production they are human-scale: no visitor ever meets them,
 * a script is stopped within seconds (README, "Security and limits"). In development every test client and
 * integration script shares 127.0.0.1, so the defaults stay out of its way; each is one setting away.
 */
const DEFAULT_LIMITS = {
  production: {
    widgetEventsPerMinute: 60,
    widgetEventBurst: 20,
    widgetEventsPerMinutePerIp: 1200,
    httpWritesPerMinutePerIp: 120,
    newSessionsPerHourPerIp: 30,
    historyReadsPerMinutePerIp: 60,
    historyReadsPerMinutePerAgent: 600,
    aiRepliesPerSession: 30,
    aiRepliesPerHourPerIp: 60,
  },
  development: {
    widgetEventsPerMinute: 600,
    widgetEventBurst: 600,
    widgetEventsPerMinutePerIp: 6000,
    httpWritesPerMinutePerIp: 600,
    newSessionsPerHourPerIp: 36000,
    historyReadsPerMinutePerIp: 6000,
    historyReadsPerMinutePerAgent: 6000,
    aiRepliesPerSession: 1000,
    aiRepliesPerHourPerIp: 10000,
  },
} as const;

/** Validates the environment and returns typed settings, or throws an InvalidSettingError naming the variable. */
export function parseSettings(raw: RawEnvironment): Settings {
  const env = plainToInstance(EnvironmentVariables, raw, {
    excludeExtraneousValues: false,
  });
  const [failure] = validateSync(env, { skipMissingProperties: false });
  if (failure) {
    const reason =
      Object.values(failure.constraints ?? {})[0] ?? 'is not valid';
    const shown = SECRET_SETTINGS.has(failure.property)
      ? ''
      : ` (got ${JSON.stringify(raw[failure.property])})`;
    throw new InvalidSettingError(failure.property, `${reason}${shown}`);
  }
  if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
    throw new InvalidSettingError(
      'JWT_SECRET',
      'is required when NODE_ENV=production',
    );
  }
  const weakSecret =
    env.NODE_ENV === 'production' && env.JWT_SECRET
      ? lowEntropyProblem(env.JWT_SECRET)
      : null;
  if (weakSecret) throw new InvalidSettingError('JWT_SECRET', weakSecret);
  if (env.METRICS_ENABLED && !env.METRICS_TOKEN) {
    throw new InvalidSettingError(
      'METRICS_TOKEN',
      'is required when METRICS_ENABLED=true (scrapers send it as a bearer token)',
    );
  }
  const adminPasswordProblem =
    env.ADMIN_PASSWORD === undefined
      ? null
      : passwordProblem(env.ADMIN_PASSWORD, env.ADMIN_EMAIL ?? '');
  if (adminPasswordProblem) {
    throw new InvalidSettingError(
      'ADMIN_PASSWORD',
      `${adminPasswordProblem}, like every account's password`,
    );
  }
  const aiApiKeys = env.AI_API_KEYS?.length
    ? env.AI_API_KEYS
    : env.OPENAI_API_KEY
      ? [env.OPENAI_API_KEY]
      : [];
  const limits =
    DEFAULT_LIMITS[
      env.NODE_ENV === 'production' ? 'production' : 'development'
    ];
  return {
    port: env.PORT ?? 4000,
    nodeEnv: env.NODE_ENV ?? 'development',
    databaseUrl: env.DATABASE_URL,
    dataDir: resolve(env.DATA_DIR ?? '.data'),
    redisUrl: env.REDIS_URL,
    corsOrigins: env.CORS_ORIGINS ?? [],
    jwtSecret: env.JWT_SECRET,
    jwtExpiresInSeconds: toSeconds(env.JWT_EXPIRES_IN ?? '12h'),
    adminEmail: env.ADMIN_EMAIL?.toLowerCase(),
    adminPassword: env.ADMIN_PASSWORD,
    messageMaxLength: env.MESSAGE_MAX_LENGTH ?? 4000,
    aiApiKeys,
    aiBaseUrl: (env.AI_BASE_URL ?? 'https://api.openai.com/v1').replace(
      /\/+$/,
      '',
    ),
    aiApiStyle: env.AI_API_STYLE ?? 'responses',
    aiModel: env.AI_MODEL ?? 'gpt-4.1-mini',
    aiSystemPrompt: env.AI_SYSTEM_PROMPT ?? DEFAULT_SYSTEM_PROMPT,
    aiHistoryMessages: env.AI_HISTORY_MESSAGES ?? 20,
    aiTimeoutMs: env.AI_TIMEOUT_MS ?? 30000,
    aiMaxRetries: env.AI_MAX_RETRIES ?? 3,
    aiDefaultEnabled: aiApiKeys.length > 0 && (env.AI_DEFAULT_ENABLED ?? true),
    aiPauseOnAdminReply: env.AI_PAUSE_ON_ADMIN_REPLY ?? true,
    historyReadsPerMinutePerIp:
      env.HISTORY_READS_PER_MINUTE_PER_IP ?? limits.historyReadsPerMinutePerIp,
    historyReadsPerMinutePerAgent:
      env.HISTORY_READS_PER_MINUTE_PER_AGENT ??
      limits.historyReadsPerMinutePerAgent,
    aiRepliesPerSession:
      env.AI_REPLIES_PER_SESSION ?? limits.aiRepliesPerSession,
    aiRepliesPerHourPerIp:
      env.AI_REPLIES_PER_HOUR_PER_IP ?? limits.aiRepliesPerHourPerIp,
    aiRepliesPerDay: env.AI_REPLIES_PER_DAY ?? 5000,
    aiContextMaxChars: env.AI_CONTEXT_MAX_CHARS ?? 12000,
    sessionMaxMessages: env.SESSION_MAX_MESSAGES ?? 1000,
    retentionDays: env.RETENTION_DAYS,
    widgetEventsPerMinute:
      env.WIDGET_EVENTS_PER_MINUTE ?? limits.widgetEventsPerMinute,
    widgetEventBurst: env.WIDGET_EVENT_BURST ?? limits.widgetEventBurst,
    widgetEventsPerMinutePerIp:
      env.WIDGET_EVENTS_PER_MINUTE_PER_IP ?? limits.widgetEventsPerMinutePerIp,
    maxConnectionsPerIp: env.MAX_CONNECTIONS_PER_IP ?? 200,
    httpWritesPerMinutePerIp:
      env.HTTP_WRITES_PER_MINUTE_PER_IP ?? limits.httpWritesPerMinutePerIp,
    newSessionsPerHourPerIp:
      env.NEW_SESSIONS_PER_HOUR_PER_IP ?? limits.newSessionsPerHourPerIp,
    loginMaxAttempts: env.LOGIN_MAX_ATTEMPTS ?? 10,
    loginWindowMs: env.LOGIN_WINDOW_MS ?? 15 * 60 * 1000,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    logLevel: env.LOG_LEVEL ?? 'log',
    logFormat: env.LOG_FORMAT ?? logFormatFor(env.NODE_ENV),
    metricsEnabled: env.METRICS_ENABLED ?? false,
    metricsToken: env.METRICS_TOKEN,
  };
}

function logFormatFor(nodeEnv: string | undefined): LogFormat {
  return nodeEnv === 'production' ? 'json' : 'pretty';
}

const TRUST_PROXY_FORMS =
  'must be true, false, a number of proxies, or a comma-separated list of proxy addresses or CIDR ranges ' +
  '(or loopback, linklocal, uniquelocal)';

function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = raw?.trim().toLowerCase() ?? '';
  if (['', 'false', 'no', 'off'].includes(value)) return false;
  if (['true', 'yes', 'on'].includes(value)) return 1;
  if (/^\d+$/.test(value)) return Number(value) === 0 ? false : Number(value);
  const list = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  try {
    proxyAddr.compile(list);
  } catch (error) {
    throw new InvalidSettingError(
      'TRUST_PROXY',
      `${TRUST_PROXY_FORMS}; ${(error as Error).message} (got ${JSON.stringify(raw)})`,
    );
  }
  return list;
}

/** A production JWT_SECRET with fewer different characters than this is typed, not generated. */
const MIN_DISTINCT_SECRET_CHARACTERS = 10;

/**
 * Why a secret is too predictable to sign tokens with in production, or null. Length is checked by the
 * schema (32+); this catches what length alone lets through: "aaaa…", "abcabc…", a word typed out.
 */
function lowEntropyProblem(secret: string): string | null {
  const distinct = new Set(secret).size;
  if (distinct < MIN_DISTINCT_SECRET_CHARACTERS || /^(.+?)\1+$/su.test(secret))
    return (
      `is too predictable for production (a repetition, or fewer than ${MIN_DISTINCT_SECRET_CHARACTERS} ` +
      'different characters); generate one, e.g. openssl rand -base64 48'
    );
  return null;
}

const SECONDS_PER_UNIT: Record<string, number> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

function toSeconds(duration: string): number {
  const unit = duration.at(-1) ?? 's';
  return unit in SECONDS_PER_UNIT
    ? Number(duration.slice(0, -1)) * SECONDS_PER_UNIT[unit]
    : Number(duration);
}

/**
 * The log format for a start-up failure that happens before (or while) the settings are read: LOG_FORMAT when
 * it is valid, else by NODE_ENV. Call it after loadSettingsFromProcess, which reads `.env` into the environment.
 */
export function logFormatFromProcess(): LogFormat {
  const { LOG_FORMAT, NODE_ENV } = process.env;
  return (
    LOG_FORMATS.find((format) => format === LOG_FORMAT?.trim()) ??
    logFormatFor(NODE_ENV?.trim())
  );
}

/** Reads `.env` (when present, without overriding the real environment) and the process environment. */
export function loadSettingsFromProcess(): Settings {
  const envFile = resolve('.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return parseSettings(process.env);
}
