// Nest loads this before any decorated class; a bare unit spec has to do it itself.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import {
  DEFAULT_SYSTEM_PROMPT,
  InvalidSettingError,
  parseSettings,
  type RawEnvironment,
} from './settings';

/** The error parseSettings throws for this environment (fails the test when it throws none). */
function refusal(env: RawEnvironment): InvalidSettingError {
  try {
    parseSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSettingError);
    return error as InvalidSettingError;
  }
  throw new Error(`parseSettings accepted ${JSON.stringify(env)}`);
}

/** What `openssl rand -base64 36` prints. */
const OPERATOR_SECRET = 'q0Xk3vJ9Zr7+fWmL2bYc8TnHsGd5Ae1PuVo4Ri6Ky3Nw';

describe('parseSettings', () => {
  it('gives every setting its documented default', () => {
    expect(parseSettings({})).toMatchObject({
      port: 4000,
      nodeEnv: 'development',
      databaseUrl: undefined,
      dataDir: resolve('.data'),
      redisUrl: undefined,
      corsOrigins: [],
      jwtSecret: undefined,
      adminEmail: undefined,
      adminPassword: undefined,
      messageMaxLength: 4000,
      aiApiKeys: [],
      aiBaseUrl: 'https://api.openai.com/v1',
      aiApiStyle: 'responses',
      aiModel: 'gpt-4.1-mini',
      aiSystemPrompt: DEFAULT_SYSTEM_PROMPT,
      aiHistoryMessages: 20,
      aiTimeoutMs: 30000,
      aiMaxRetries: 3,
      aiDefaultEnabled: false,
      aiPauseOnAdminReply: true,
      widgetEventsPerMinute: 600,
      widgetEventBurst: 600,
      widgetEventsPerMinutePerIp: 6000,
      maxConnectionsPerIp: 200,
      httpWritesPerMinutePerIp: 600,
      newSessionsPerHourPerIp: 36000,
      trustProxy: false,
      logLevel: 'log',
    });
  });

  // A `.env` copied from .env.example and left blank, e.g. `PORT=`, means "use the default".
  it('treats empty values as unset', () => {
    expect(
      parseSettings({
        PORT: '',
        DATABASE_URL: '  ',
        MESSAGE_MAX_LENGTH: '',
        AI_MAX_RETRIES: ' ',
        AI_HISTORY_MESSAGES: '',
        TRUST_PROXY: '',
      }),
    ).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      messageMaxLength: 4000,
      aiMaxRetries: 3,
      aiHistoryMessages: 20,
      trustProxy: false,
    });
  });

  it('reads the values an operator writes', () => {
    expect(
      parseSettings({
        PORT: '8080',
        NODE_ENV: 'production',
        DATABASE_URL: 'postgresql://chat:pw@db.internal:5432/chat',
        DATA_DIR: '/var/lib/chat',
        REDIS_URL: 'redis://cache:6379',
        JWT_SECRET: OPERATOR_SECRET,
        JWT_EXPIRES_IN: '30m',
        ADMIN_EMAIL: 'Boss@Example.COM',
        MESSAGE_MAX_LENGTH: '500',
        AI_BASE_URL: 'http://localhost:9999/v1//',
        AI_API_STYLE: 'chat-completions',
        AI_HISTORY_MESSAGES: '0',
        LOG_LEVEL: 'debug',
      }),
    ).toMatchObject({
      port: 8080,
      nodeEnv: 'production',
      databaseUrl: 'postgresql://chat:pw@db.internal:5432/chat',
      dataDir: '/var/lib/chat',
      redisUrl: 'redis://cache:6379',
      jwtSecret: OPERATOR_SECRET,
      adminEmail: 'boss@example.com',
      messageMaxLength: 500,
      aiBaseUrl: 'http://localhost:9999/v1',
      aiApiStyle: 'chat-completions',
      aiHistoryMessages: 0,
      logLevel: 'debug',
    });
  });

  describe('refuses a bad value with an InvalidSettingError naming the variable', () => {
    it.each<[string, string]>([
      ['PORT', 'abc'],
      ['PORT', '65536'],
      ['PORT', '80.5'],
      ['MESSAGE_MAX_LENGTH', '0'],
      ['MESSAGE_MAX_LENGTH', 'lots'],
      ['DATABASE_URL', 'mysql://x'],
      ['REDIS_URL', 'http://cache:6379'],
      ['AI_BASE_URL', 'ftp://models.example.com'],
      ['AI_API_STYLE', 'completions'],
      ['AI_MAX_RETRIES', '11'],
      ['AI_TIMEOUT_MS', '99'],
      ['JWT_EXPIRES_IN', 'forever'],
      ['TRUST_PROXY', 'maybe'],
      ['TRUST_PROXY', '10.0.0.0/99'],
      ['TRUST_PROXY', 'loopback,10.0.0.1:8080'],
      ['TRUST_PROXY', '-1'],
      ['WIDGET_EVENT_BURST', '0'],
      ['NEW_SESSIONS_PER_HOUR_PER_IP', 'many'],
      ['LOG_LEVEL', 'loud'],
      ['NODE_ENV', 'staging'],
    ])('%s=%s', (variable, value) => {
      const error = refusal({ [variable]: value });
      expect(error.variable).toBe(variable);
      expect(error.message).toContain(variable);
    });

    it('requires JWT_SECRET in production', () => {
      const error = refusal({ NODE_ENV: 'production' });
      expect(error.variable).toBe('JWT_SECRET');
      expect(error.message).toContain('JWT_SECRET');
    });

    it.each<[string, string]>([
      ['one character repeated', 's'.repeat(32)],
      ['a short pattern repeated', 'abcdefghijkl'.repeat(3)],
      [
        'of nine different characters',
        'abcdefghi' + 'ihgfedcba' + 'acegibdfh' + 'hfdbigeca',
      ],
    ])(
      'refuses a JWT_SECRET in production that is %s, in one line that does not echo it',
      (_, secret) => {
        const error = refusal({ NODE_ENV: 'production', JWT_SECRET: secret });
        expect(error.variable).toBe('JWT_SECRET');
        expect(error.message).toMatch(
          /^Invalid setting JWT_SECRET: .*predictable/,
        );
        expect(error.message).not.toContain(secret);
        expect(error.message).not.toContain('\n');
      },
    );

    it('accepts a typed 32-character JWT_SECRET outside production, where nothing real is signed', () => {
      expect(parseSettings({ JWT_SECRET: 's'.repeat(32) }).jwtSecret).toBe(
        's'.repeat(32),
      );
    });

    it.each<[string, string, string]>([
      ['under 12 characters', 'eight-ch', 'at least 12 characters'],
      ['mostly one character', 'aaaaaaaaaaaabbbb', '5 different characters'],
      ['the email', 'Owner@Example.com', 'not be the email'],
    ])(
      'holds ADMIN_PASSWORD to the account password rules: %s',
      (_, password, rule) => {
        const error = refusal({
          ADMIN_EMAIL: 'owner@example.com',
          ADMIN_PASSWORD: password,
        });
        expect(error.variable).toBe('ADMIN_PASSWORD');
        expect(error.message).toContain(rule);
        expect(error.message).not.toContain(password);
      },
    );

    it('shows the bad value of an ordinary setting, to help the operator', () => {
      expect(refusal({ PORT: 'abc' }).message).toContain('"abc"');
    });

    it.each<[string, string]>([
      ['JWT_SECRET', 'too-short-but-still-secret'],
      ['DATABASE_URL', 'mysql://root:hunter2@db/chat'],
      ['REDIS_URL', 'memcached://user:hunter2@cache'],
      ['ADMIN_PASSWORD', 'hunter2'],
    ])('never echoes the value of the secret %s', (variable, value) => {
      const error = refusal({ [variable]: value });
      expect(error.variable).toBe(variable);
      expect(error.message).toContain(variable);
      expect(error.message).not.toContain(value);
      expect(error.message).not.toContain('hunter2');
    });
  });

  it.each<[string, boolean]>([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    [' on ', true],
    ['false', false],
    ['0', false],
    ['No', false],
    ['off', false],
  ])('reads the boolean %p as %p', (value, expected) => {
    expect(parseSettings({ AI_PAUSE_ON_ADMIN_REPLY: value })).toMatchObject({
      aiPauseOnAdminReply: expected,
    });
  });

  // Express's own `true` trusts every hop, which makes the client's left-most entry its address.
  it.each<[string, false | number | string[]]>([
    ['false', false],
    ['off', false],
    ['0', false],
    ['true', 1],
    [' TRUE ', 1],
    ['yes', 1],
    ['1', 1],
    ['2', 2],
    ['loopback', ['loopback']],
    [
      ' loopback, 10.0.0.0/8 ,2001:db8::/32,,192.0.2.7 ',
      ['loopback', '10.0.0.0/8', '2001:db8::/32', '192.0.2.7'],
    ],
  ])('reads TRUST_PROXY=%p as %p', (value, expected) => {
    expect(parseSettings({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it('names TRUST_PROXY, its forms and the bad entry in one line', () => {
    const error = refusal({ TRUST_PROXY: 'loopback,proxy.internal' });
    expect(error.message).toMatch(/^Invalid setting TRUST_PROXY: must be /);
    expect(error.message).toContain('proxy.internal');
    expect(error.message).not.toContain('\n');
  });

  it('reads comma-separated lists, trimming items and dropping empty ones', () => {
    expect(
      parseSettings({
        CORS_ORIGINS: ' https://www.example.com , http://localhost:5173,, ',
        AI_API_KEYS: 'key-one, key-two,',
      }),
    ).toMatchObject({
      corsOrigins: ['https://www.example.com', 'http://localhost:5173'],
      aiApiKeys: ['key-one', 'key-two'],
    });
  });

  it('falls back to OPENAI_API_KEY when AI_API_KEYS is empty', () => {
    expect(
      parseSettings({ AI_API_KEYS: ' , ', OPENAI_API_KEY: 'sk-single' }),
    ).toMatchObject({ aiApiKeys: ['sk-single'] });
    expect(
      parseSettings({ AI_API_KEYS: 'sk-a', OPENAI_API_KEY: 'sk-single' }),
    ).toMatchObject({ aiApiKeys: ['sk-a'] });
  });

  it('turns the AI on for new sessions only when a key is configured', () => {
    expect(parseSettings({ AI_DEFAULT_ENABLED: 'true' }).aiDefaultEnabled).toBe(
      false,
    );
    expect(parseSettings({ AI_API_KEYS: 'sk-a' }).aiDefaultEnabled).toBe(true);
    expect(
      parseSettings({ AI_API_KEYS: 'sk-a', AI_DEFAULT_ENABLED: 'false' })
        .aiDefaultEnabled,
    ).toBe(false);
  });
});

describe('parseSettings: log format and metrics', () => {
  it('accepts a .env copied from .env.example as it is', () => {
    const example = parseEnv(
      readFileSync(resolve(__dirname, '../../.env.example'), 'utf8'),
    );
    expect(parseSettings(example)).toMatchObject({
      logFormat: 'pretty',
      metricsEnabled: false,
    });
  });

  it.each<[RawEnvironment, 'pretty' | 'json']>([
    [{}, 'pretty'],
    [{ NODE_ENV: 'development' }, 'pretty'],
    [{ NODE_ENV: 'production', JWT_SECRET: OPERATOR_SECRET }, 'json'],
    [{ LOG_FORMAT: 'json' }, 'json'],
    [
      {
        NODE_ENV: 'production',
        JWT_SECRET: OPERATOR_SECRET,
        LOG_FORMAT: 'pretty',
      },
      'pretty',
    ],
    [{ LOG_FORMAT: '' }, 'pretty'],
  ])('with %p logs in the %p format', (env, format) => {
    expect(parseSettings(env).logFormat).toBe(format);
  });

  it('refuses an unknown LOG_FORMAT, naming it', () => {
    const error = refusal({ LOG_FORMAT: 'xml' });
    expect(error.variable).toBe('LOG_FORMAT');
    expect(error.message).toContain('pretty, json');
  });

  it('keeps metrics off unless METRICS_ENABLED, which needs a METRICS_TOKEN of 32 characters or more', () => {
    expect(parseSettings({})).toMatchObject({
      metricsEnabled: false,
      metricsToken: undefined,
    });
    expect(
      parseSettings({
        METRICS_ENABLED: 'true',
        METRICS_TOKEN: OPERATOR_SECRET,
      }),
    ).toMatchObject({ metricsEnabled: true, metricsToken: OPERATOR_SECRET });
    expect(refusal({ METRICS_ENABLED: 'true' }).variable).toBe('METRICS_TOKEN');
    const short = refusal({ METRICS_ENABLED: 'true', METRICS_TOKEN: 'abc123' });
    expect(short.variable).toBe('METRICS_TOKEN');
    // A secret is never repeated, not even in the refusal.
    expect(short.message).not.toContain('abc123');
  });
});

describe('parseSettings: limits in production', () => {
  it('holds strangers to human-scale defaults in production, and stays out of the way in development', () => {
    expect(
      parseSettings({ NODE_ENV: 'production', JWT_SECRET: OPERATOR_SECRET }),
    ).toMatchObject({
      widgetEventsPerMinute: 60,
      widgetEventBurst: 20,
      widgetEventsPerMinutePerIp: 1200,
      httpWritesPerMinutePerIp: 120,
      newSessionsPerHourPerIp: 30,
      historyReadsPerMinutePerIp: 60,
      historyReadsPerMinutePerAgent: 600,
      aiRepliesPerSession: 30,
      aiRepliesPerHourPerIp: 60,
    });
    expect(
      parseSettings({
        NODE_ENV: 'production',
        JWT_SECRET: OPERATOR_SECRET,
        NEW_SESSIONS_PER_HOUR_PER_IP: '500',
      }).newSessionsPerHourPerIp,
    ).toBe(500);
  });
});

describe('parseSettings: what reads, writes and the AI may cost', () => {
  it('gives each budget and cap its documented default, and keeps conversations forever unless told', () => {
    expect(parseSettings({ RETENTION_DAYS: '' })).toMatchObject({
      aiRepliesPerSession: 1000,
      aiRepliesPerHourPerIp: 10000,
      aiRepliesPerDay: 5000,
      aiContextMaxChars: 12000,
      historyReadsPerMinutePerIp: 6000,
      historyReadsPerMinutePerAgent: 6000,
      sessionMaxMessages: 1000,
      retentionDays: undefined,
    });
  });

  it('reads the values an operator writes', () => {
    expect(
      parseSettings({
        AI_REPLIES_PER_SESSION: '5',
        AI_REPLIES_PER_HOUR_PER_IP: '10',
        AI_REPLIES_PER_DAY: '100',
        AI_CONTEXT_MAX_CHARS: '4000',
        HISTORY_READS_PER_MINUTE_PER_IP: '20',
        HISTORY_READS_PER_MINUTE_PER_AGENT: '200',
        SESSION_MAX_MESSAGES: '300',
        RETENTION_DAYS: '90',
      }),
    ).toMatchObject({
      aiRepliesPerSession: 5,
      aiRepliesPerHourPerIp: 10,
      aiRepliesPerDay: 100,
      aiContextMaxChars: 4000,
      historyReadsPerMinutePerIp: 20,
      historyReadsPerMinutePerAgent: 200,
      sessionMaxMessages: 300,
      retentionDays: 90,
    });
  });

  it.each<[string, string]>([
    ['AI_REPLIES_PER_SESSION', '0'],
    ['AI_REPLIES_PER_HOUR_PER_IP', 'many'],
    ['AI_REPLIES_PER_DAY', '-1'],
    ['AI_CONTEXT_MAX_CHARS', '999'],
    ['HISTORY_READS_PER_MINUTE_PER_IP', '0'],
    ['HISTORY_READS_PER_MINUTE_PER_AGENT', '1.5'],
    ['SESSION_MAX_MESSAGES', '0'],
    ['RETENTION_DAYS', '0'],
    ['RETENTION_DAYS', 'forever'],
  ])('refuses %s=%s, naming it', (variable, value) => {
    const error = refusal({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });
});
