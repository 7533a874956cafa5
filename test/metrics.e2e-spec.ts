import request from 'supertest';
import { ErrorCode } from '../src/common/errors';
import { AdminServerEvent } from '../src/realtime/admin.events';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';
import { FakeAiProvider } from './fakes/fake-ai-provider';
import { fastAiRetries } from './utils/ai';
import { freePort } from './utils/app-process';
import { adminEnv, connectAdmin } from './utils/admin';
import {
  ack,
  ackOk,
  ackWithin,
  closeAll,
  connect,
  nextEvent,
  type TestSocket,
} from './utils/sockets';
import { proxyInFrontOf, type TcpProxy } from './utils/tcp-proxy';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

const METRICS_TOKEN = 'metrics-test-token-'.padEnd(48, 'x');
const AI_KEY = 'sk-metrics-test-key';

const metricsEnv = { METRICS_ENABLED: 'true', METRICS_TOKEN };
/** Starting an app (and a database) on a loaded machine. */
const START_TIMEOUT_MS = 60_000;

/** The body of an authorised scrape. */
async function scrape(server: TestApp): Promise<string> {
  const response = await request(server.url)
    .get('/metrics')
    .set('Authorization', `Bearer ${METRICS_TOKEN}`)
    .expect(200)
    .expect('Content-Type', /^text\/plain; version=0\.0\.4/);
  return response.text;
}

/** The sum of every sample of `name` whose labels include `labels` (0 when there is none). */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(
        ([, key, value]) => [key, value],
      ),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value))
      total += Number(match[3]);
  }
  return total;
}

/** How much each sample moved between two scrapes. */
function moved(before: string, after: string) {
  return (name: string, labels: Record<string, string> = {}) =>
    sample(after, name, labels) - sample(before, name, labels);
}

describe('Metrics, off by default', () => {
  let db: TestDatabase;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp({ ...db.env });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('/metrics does not exist, with or without a token', async () => {
    await request(server.url).get('/metrics').expect(404);
    await request(server.url)
      .get('/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN}`)
      .expect(404);
  });
});

describe('Metrics, on', () => {
  let db: TestDatabase;
  let server: TestApp;
  let fake: FakeAiProvider;
  let admin: TestSocket;

  beforeAll(async () => {
    fake = await FakeAiProvider.start();
    db = await createTestDatabase();
    server = await startApp(
      {
        ...db.env,
        ...adminEnv,
        ...metricsEnv,
        AI_API_KEYS: AI_KEY,
        AI_BASE_URL: fake.url,
        AI_MAX_RETRIES: '1',
        WIDGET_EVENTS_PER_MINUTE: '5',
        WIDGET_EVENT_BURST: '5',
        HTTP_WRITES_PER_MINUTE_PER_IP: '2',
      },
      {
        override: fastAiRetries,
      },
    );
    admin = await connectAdmin(server);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    closeAll();
    await server?.close();
    await fake?.close();
    await db?.drop();
  });

  async function newWidget() {
    const socket = await connect(server.url);
    const { sessionId } = await ackOk(socket, WidgetEvent.InitSession, {});
    return { socket, sessionId };
  }

  function replyFinished(socket: TestSocket) {
    return nextEvent(
      socket,
      WidgetServerEvent.AiTyping,
      (event) => event.typing === false,
    );
  }

  it('answers 401 without the bearer token or with a wrong one, and stays out of the OpenAPI document', async () => {
    const refused = await request(server.url).get('/metrics').expect(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer');
    expect(refused.body).toMatchObject({ code: ErrorCode.UNAUTHORIZED });
    await request(server.url)
      .get('/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN}x`)
      .expect(401);
    await request(server.url)
      .get('/metrics')
      .set('Authorization', METRICS_TOKEN)
      .expect(401);
    const openApi = await request(server.url).get('/api/docs-json').expect(200);
    expect(
      Object.keys((openApi.body as { paths: object }).paths),
    ).not.toContain('/metrics');
  });

  it('counts sockets, sessions, messages, acks, an AI reply and a hand-off, with no per-session label', async () => {
    const before = await scrape(server);
    const { socket: widget, sessionId } = await newWidget();
    const finished = replyFinished(widget);
    await ackOk(widget, WidgetEvent.UserMessage, {
      sessionId,
      content: 'What are your opening hours?',
      clientMessageId: 'metrics-1',
    });
    await finished;
    const handoff = nextEvent(
      admin,
      AdminServerEvent.HandoffRequested,
      (event) => event.sessionId === sessionId,
    );
    await ackOk(widget, WidgetEvent.RequestHuman, { sessionId });
    await handoff;

    const after = await scrape(server);
    const delta = moved(before, after);
    expect(sample(after, 'chat_connected_sockets', { namespace: '/' })).toBe(1);
    expect(
      sample(after, 'chat_connected_sockets', { namespace: '/admin' }),
    ).toBe(1);
    expect(sample(after, 'chat_live_sessions')).toBe(1);
    expect(delta('chat_messages_committed_total', { sender: 'user' })).toBe(1);
    expect(delta('chat_messages_committed_total', { sender: 'ai' })).toBe(1);
    for (const event of ['init_session', 'user_message', 'request_human']) {
      expect(
        delta('chat_ack_latency_seconds_count', { namespace: '/', event }),
      ).toBe(1);
    }
    expect(delta('chat_ai_attempts_total', { outcome: 'ok' })).toBe(1);
    expect(delta('chat_ai_retries_total')).toBe(0);
    expect(delta('chat_ai_first_delta_seconds_count')).toBe(1);
    expect(delta('chat_ai_stream_deltas_total')).toBeGreaterThan(0);
    expect(delta('chat_ai_stream_characters_total')).toBe(
      'Hello from the fake assistant.'.length,
    );
    expect(delta('chat_handoffs_total')).toBe(1);
    // The default process metrics come along.
    expect(sample(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(after).toContain('nodejs_eventloop_lag_seconds');
    expect(after).not.toContain(sessionId);
  });

  it('counts AI retries, the failure that follows them and its hand-off', async () => {
    const before = await scrape(server);
    const { socket: widget, sessionId } = await newWidget();
    fake.enqueue(
      { type: 'status', status: 500 },
      { type: 'status', status: 500 },
    );
    const handoff = nextEvent(
      admin,
      AdminServerEvent.HandoffRequested,
      (event) => event.sessionId === sessionId,
    );
    await ackOk(widget, WidgetEvent.UserMessage, {
      sessionId,
      content: 'Hello?',
      clientMessageId: 'metrics-2',
    });
    await handoff;
    const delta = moved(before, await scrape(server));
    expect(delta('chat_ai_attempts_total', { outcome: 'PROVIDER_ERROR' })).toBe(
      2,
    );
    expect(delta('chat_ai_retries_total')).toBe(1);
    expect(delta('chat_ai_failures_total', { code: 'PROVIDER_ERROR' })).toBe(1);
    expect(delta('chat_handoffs_total')).toBe(1);
    expect(delta('chat_messages_committed_total', { sender: 'system' })).toBe(
      1,
    );
  });

  it('counts RATE_LIMITED answers on sockets and over HTTP, and times refused events too', async () => {
    const before = await scrape(server);
    const { socket: widget, sessionId } = await newWidget();
    const replies = await Promise.all(
      Array.from({ length: 8 }, () =>
        ack(widget, WidgetEvent.Typing, { sessionId, isTyping: true }),
      ),
    );
    const refused = replies.filter(
      (reply) => !reply.ok && reply.error.code === ErrorCode.RATE_LIMITED,
    ).length;
    expect(refused).toBeGreaterThan(0);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (await request(server.url).post('/api/chat/session').send({})).status,
      );
    }
    expect(statuses).toContain(429);

    const delta = moved(before, await scrape(server));
    expect(
      delta('chat_error_answers_total', {
        transport: 'socket',
        code: ErrorCode.RATE_LIMITED,
      }),
    ).toBe(refused);
    expect(
      delta('chat_error_answers_total', {
        transport: 'http',
        code: ErrorCode.RATE_LIMITED,
      }),
    ).toBe(statuses.filter((status) => status === 429).length);
    expect(
      delta('chat_ack_latency_seconds_count', {
        namespace: '/',
        event: 'typing',
      }),
    ).toBe(8);
  });
});

// An outage needs a database server to lose: this part runs with TEST_DATABASE_URL.
const describeWithServer = process.env.TEST_DATABASE_URL
  ? describe
  : describe.skip;

describeWithServer('Metrics, on, during a database outage', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const proxied = await proxyInFrontOf(db.env.DATABASE_URL!, 5432);
    proxy = proxied.proxy;
    server = await startApp({
      ...db.env,
      ...metricsEnv,
      DATABASE_URL: proxied.url,
    });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    closeAll();
    await proxy?.restore();
    await server?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('counts UNAVAILABLE answers and the database errors behind them', async () => {
    const widget = await connect(server.url);
    const { sessionId } = await ackOk(widget, WidgetEvent.InitSession, {});
    const before = await scrape(server);
    await proxy.cut('refuse');
    const reply = await ackWithin(30_000, widget, WidgetEvent.UserMessage, {
      sessionId,
      content: 'Anyone?',
      clientMessageId: 'outage-1',
    });
    expect(reply).toMatchObject({
      ok: false,
      error: { code: ErrorCode.UNAVAILABLE },
    });
    const delta = moved(before, await scrape(server));
    expect(
      delta('chat_error_answers_total', {
        transport: 'socket',
        code: ErrorCode.UNAVAILABLE,
      }),
    ).toBe(1);
    expect(
      delta('chat_database_errors_total', { kind: 'unavailable' }),
    ).toBeGreaterThan(0);
  }, 60_000);
});

describe('Metrics, on, with Redis out of reach', () => {
  let db: TestDatabase;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp({
      ...db.env,
      ...metricsEnv,
      // Nothing listens there: every Redis command fails at once.
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    closeAll();
    await server?.close();
    await db?.drop();
  });

  it('counts Redis errors, and the fan-out that could not reach the other instances', async () => {
    const widget = await connect(server.url);
    const { sessionId } = await ackOk(widget, WidgetEvent.InitSession, {});
    const otherTab = await connect(server.url);
    await ackOk(otherTab, WidgetEvent.InitSession, { sessionId });
    const before = await scrape(server);
    const fannedOut = nextEvent(otherTab, WidgetServerEvent.Message);
    await ackOk(widget, WidgetEvent.UserMessage, {
      sessionId,
      content: 'Still here?',
      clientMessageId: 'redis-1',
    });
    // This instance's sockets still get it; the other instances cannot.
    await fannedOut;
    const after = await scrape(server);
    expect(
      sample(after, 'chat_redis_errors_total', { source: 'connection' }),
    ).toBeGreaterThan(0);
    expect(
      moved(before, after)('chat_fanout_failures_total', { cause: 'redis' }),
    ).toBeGreaterThan(0);
  });
});
