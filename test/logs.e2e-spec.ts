import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { WidgetEvent } from '../src/realtime/widget.events';
import { FakeAiProvider } from './fakes/fake-ai-provider';
import {
  type AppProcess,
  freePort,
  spawnEntry,
  startAppProcess,
} from './utils/app-process';
import {
  type LogRecord,
  logRecords,
  outputLines,
  stopGracefully,
  waitForLine,
} from './utils/logs';
import { ackOk, closeAll, connect } from './utils/sockets';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const REJECTED_KEY = 'sk-logs-test-rejected-key';
/** Building and starting the app as its own process, on a loaded machine. */
const START_TIMEOUT_MS = 90_000;

/** A line that parses into a record matching `matches`; lines still being written simply do not match. */
function recordWhere(matches: (record: LogRecord) => boolean) {
  return (line: string) => {
    try {
      return matches(JSON.parse(line) as LogRecord);
    } catch {
      return false;
    }
  };
}

function expectLogRecord(record: LogRecord): void {
  expect(new Date(record.time).toISOString()).toBe(record.time);
  expect(LEVELS).toContain(record.level);
  expect(typeof record.context).toBe('string');
  expect(record.context.length).toBeGreaterThan(0);
  expect(typeof record.message).toBe('string');
}

describe('Logs in production: one JSON object per line', () => {
  let db: TestDatabase;
  let server: AppProcess;
  let fake: FakeAiProvider;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await FakeAiProvider.start();
    fake.rejectKey(REJECTED_KEY);
    // No ADMIN_EMAIL / ADMIN_PASSWORD: the first admin is created and its password shown once.
    server = await startAppProcess({
      NODE_ENV: 'production',
      JWT_SECRET: randomBytes(36).toString('base64'),
      ...db.env,
      LOG_LEVEL: 'debug',
      AI_API_KEYS: REJECTED_KEY,
      AI_BASE_URL: fake.url,
      AI_MAX_RETRIES: '0',
    });
  }, START_TIMEOUT_MS);

  afterEach(() => closeAll());

  afterAll(async () => {
    closeAll();
    await server?.dispose();
    await fake?.close();
    await db?.drop();
  });

  it("shows the first admin's password once, in a JSON line, and that password signs in", async () => {
    const line = await waitForLine(
      server,
      recordWhere((record) =>
        record.message.startsWith('Created the first admin'),
      ),
    );
    const record = JSON.parse(line) as LogRecord;
    expect(record).toMatchObject({ level: 'warn', context: 'Admin' });
    const [, email, password] =
      /Sign in as (\S+) with password (\S+)/.exec(record.message) ?? [];
    await request(server.url)
      .post('/api/auth/login')
      .send({ email, password })
      .expect(200);
    expect(
      outputLines(server).filter((text) => text.includes(password)),
    ).toHaveLength(1);
  });

  it('echoes a valid X-Request-Id, replaces anything else, and tags the lines of the request with it and its session', async () => {
    const created = await request(server.url)
      .post('/api/chat/session')
      .set('X-Request-Id', 'trace-session-1')
      .send({})
      .expect(201);
    expect(created.headers['x-request-id']).toBe('trace-session-1');
    const sessionId = (created.body as { sessionId: string }).sessionId;

    await request(server.url)
      .post('/api/chat/message')
      .set('X-Request-Id', 'trace-message-1')
      .send({
        sessionId,
        sender: 'user',
        content: 'hello',
        clientMessageId: 'm1',
      })
      .expect(201);
    const line = await waitForLine(
      server,
      recordWhere((record) => record.correlationId === 'trace-message-1'),
    );
    expect(JSON.parse(line)).toMatchObject({
      level: 'debug',
      context: 'Http',
      sessionId,
      message: expect.stringMatching(/^POST \/api\/chat\/message 201 /),
    });

    const replaced = await request(server.url)
      .get('/health')
      .set('X-Request-Id', 'not an id; with "quotes"')
      .expect(200);
    expect(replaced.headers['x-request-id']).toMatch(UUID);
    const generated = await request(server.url).get('/health').expect(200);
    expect(generated.headers['x-request-id']).toMatch(UUID);
  });

  it("tags what is logged while a socket event is handled (here the AI failing) with the event's correlation id and session", async () => {
    const widget = await connect(server.url);
    const { sessionId } = await ackOk(widget, WidgetEvent.InitSession, {});
    await ackOk(widget, WidgetEvent.UserMessage, {
      sessionId,
      content: 'Is anyone there?',
      clientMessageId: 'socket-1',
    });
    const line = await waitForLine(
      server,
      recordWhere(
        (record) =>
          record.context === 'AiService' && record.sessionId === sessionId,
      ),
    );
    const record = JSON.parse(line) as LogRecord;
    expect(record.level).toBe('warn');
    expect(record.correlationId).toMatch(UUID);
    // The provider client's line about the same reply carries the same id.
    const attempt = logRecords(server).find(
      (other) =>
        other.context === 'AiProviderClient' &&
        other.correlationId === record.correlationId,
    );
    expect(attempt?.sessionId).toBe(sessionId);
  });

  it('wrote nothing but JSON lines with time, level, context and message, through the shutdown', async () => {
    expect(await stopGracefully(server)).toBe(0);
    const records = logRecords(server);
    expect(records.length).toBeGreaterThan(10);
    records.forEach(expectLogRecord);
    expect(records.map((record) => record.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Chat backend listening'),
      ]),
    );
  });
});

describe('Logs: a start-up failure in production is a JSON line too', () => {
  it.each([
    ['an invalid setting', { PORT: 'abc' }, 'Settings', 'Invalid setting PORT'],
    [
      'an unreachable database',
      { DATABASE_URL: 'postgresql://chat:pw-not-shown@127.0.0.1:1/chat' },
      'Database',
      'Cannot connect to the database at 127.0.0.1:1/chat',
    ],
  ])(
    '%s',
    async (_, env, context, message) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'chat-test-'));
      const app = spawnEntry('main.js', {
        NODE_ENV: 'production',
        JWT_SECRET: randomBytes(36).toString('base64'),
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        ...env,
      });
      try {
        expect(await app.exited).toBe(1);
        const records = logRecords(app);
        records.forEach(expectLogRecord);
        expect(records.at(-1)).toMatchObject({
          level: 'fatal',
          context,
          message: expect.stringContaining(message),
        });
        expect(app.output()).not.toContain('pw-not-shown');
      } finally {
        await app.dispose();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    START_TIMEOUT_MS,
  );
});
