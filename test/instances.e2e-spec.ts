import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AdminAccountsService } from '../src/auth/admin-accounts.service';
import { AdminEvent, AdminServerEvent } from '../src/realtime/admin.events';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';
import type { SessionSummary } from '../src/sessions/dto/session.view';
import { adminEnv, connectAdmin, disableAccount, login } from './utils/admin';
import {
  eventually,
  inRedisCorner,
  redisKeysUnder,
  TEST_REDIS_URL,
  uniqueRedisKeyPrefix,
} from './utils/redis';
import {
  ack,
  ackOk,
  closeAll,
  connect,
  nextEvent,
  record,
  sleep,
  type TestSocket,
} from './utils/sockets';
import { proxyInFrontOf, type TcpProxy } from './utils/tcp-proxy';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

/** Short enough to wait out: an instance cut off from Redis stops counting after this. */
const LEASE_MS = 1500;
/** Redis clients back off up to 2 s between reconnections; the rest is margin for a busy machine. */
const RECONNECT_BOUND_MS = 10000;
/** Readiness gives Redis 2 s to answer. */
const READINESS_BOUND_MS = 5000;

function startInstance(
  db: TestDatabase,
  keyPrefix: string,
  redisUrl: string,
): Promise<TestApp> {
  return startApp(
    { ...db.env, ...adminEnv, REDIS_URL: redisUrl },
    { override: inRedisCorner(keyPrefix, LEASE_MS) },
  );
}

async function openSession(server: TestApp, sessionId = randomUUID()) {
  const widget = await connect(server.url);
  const reply = await ack(widget, WidgetEvent.InitSession, { sessionId });
  expect(reply.ok).toBe(true);
  return { widget, sessionId };
}

async function liveSessionIds(admin: TestSocket): Promise<string[]> {
  const reply = await ackOk(admin, AdminEvent.GetSessions);
  return reply.sessions.map((session) => session.sessionId);
}

async function readiness(server: TestApp) {
  const started = Date.now();
  const response = await request(server.url).get('/health/ready');
  return { response, elapsedMs: Date.now() - started };
}

// Two instances need a database both reach: PostgreSQL (CI's second run); the embedded one is one process's.
const describeWithServer = process.env.TEST_DATABASE_URL
  ? describe
  : describe.skip;

describeWithServer('Two instances on one Redis', () => {
  let db: TestDatabase;
  let keyPrefix: string;
  /** Instance A reaches Redis through this proxy, so a test can cut A off. */
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;
  const running = new Set<TestApp>();

  beforeAll(async () => {
    db = await createTestDatabase();
    keyPrefix = uniqueRedisKeyPrefix();
    const proxied = await proxyInFrontOf(TEST_REDIS_URL, 6379);
    proxy = proxied.proxy;
    a = await startInstance(db, keyPrefix, proxied.url);
    running.add(a);
    b = await startInstance(db, keyPrefix, TEST_REDIS_URL);
    running.add(b);
  });

  afterEach(() => closeAll());

  afterAll(async () => {
    for (const server of running) await server.close();
    await proxy?.close();
    await db?.drop();
  });

  it('lets a visitor on A and an agent on B talk as if on one server', async () => {
    const admin = await connectAdmin(b);
    const widget = await connect(a.url);
    const sessionId = randomUUID();
    const announced = nextEvent(
      admin,
      AdminServerEvent.SessionUpdated,
      ({ session }) => session.sessionId === sessionId,
    );
    await ack(widget, WidgetEvent.InitSession, { sessionId });
    expect((await announced).session.isActive).toBe(true);
    expect(await liveSessionIds(admin)).toContain(sessionId);
    await ack(admin, AdminEvent.JoinSession, { sessionId });

    const newMessage = nextEvent(
      admin,
      AdminServerEvent.NewMessage,
      (event) => event.sessionId === sessionId,
    );
    const roomMessage = nextEvent(admin, AdminServerEvent.Message);
    const updated = nextEvent(
      admin,
      AdminServerEvent.SessionUpdated,
      ({ session }) => session.lastMessage === 'Hello from A',
    );
    const sent = await ackOk(widget, WidgetEvent.UserMessage, {
      sessionId,
      content: 'Hello from A',
    });
    expect(sent.ok).toBe(true);
    expect((await newMessage).message.id).toBe(sent.message.id);
    expect((await roomMessage).id).toBe(sent.message.id);
    expect((await updated).session).toMatchObject({
      sessionId,
      isActive: true,
    });

    const userTyping = nextEvent(admin, AdminServerEvent.UserTyping);
    await ack(widget, WidgetEvent.Typing, { sessionId, isTyping: true });
    expect(await userTyping).toEqual({ sessionId, isTyping: true });
    const adminTyping = nextEvent(widget, WidgetServerEvent.AdminTyping);
    await ack(admin, AdminEvent.Typing, { sessionId, isTyping: true });
    expect(await adminTyping).toEqual({ sessionId, isTyping: true });

    const reply = nextEvent(
      widget,
      WidgetServerEvent.Message,
      (message) => message.sender === 'admin',
    );
    // B works out whether the session is live from Redis: its widget is on A.
    const updatedByB = nextEvent(
      admin,
      AdminServerEvent.SessionUpdated,
      ({ session }) => session.lastMessage === 'Hello from B',
    );
    const answered = await ackOk(admin, AdminEvent.AdminMessage, {
      sessionId,
      content: 'Hello from B',
    });
    expect(answered.ok).toBe(true);
    expect(await reply).toMatchObject({
      id: answered.message.id,
      content: 'Hello from B',
    });
    expect((await updatedByB).session.isActive).toBe(true);

    const page = await ackOk(admin, AdminEvent.GetAllSessions, {});
    expect(
      page.sessions.find(
        (session: SessionSummary) => session.sessionId === sessionId,
      ),
    ).toMatchObject({ isActive: true });
    const { accessToken } = await login(b);
    const detail = await request(b.url)
      .get(`/api/admin/sessions/${sessionId}`)
      .set('Authorization', `Bearer ${accessToken}`)
      .expect(200);
    expect(detail.body.isActive).toBe(true);
  });

  it('stops showing a session as live on B once its visitor leaves A', async () => {
    const admin = await connectAdmin(b);
    const { widget, sessionId } = await openSession(a);
    const wentInactive = nextEvent(
      admin,
      AdminServerEvent.SessionUpdated,
      ({ session }) => session.sessionId === sessionId && !session.isActive,
    );
    widget.disconnect();
    await wentInactive;
    expect(await liveSessionIds(admin)).not.toContain(sessionId);
  });

  it('keeps a session live while one of its widgets remains, on either instance', async () => {
    const admin = await connectAdmin(b);
    const { widget: onA, sessionId } = await openSession(a);
    const { widget: onB } = await openSession(b, sessionId);
    const updates = record(admin, AdminServerEvent.SessionUpdated);
    onA.disconnect();
    await sleep(500);
    expect(await liveSessionIds(admin)).toContain(sessionId);
    expect(updates.filter(({ session }) => !session.isActive)).toEqual([]);

    const wentInactive = nextEvent(
      admin,
      AdminServerEvent.SessionUpdated,
      ({ session }) => session.sessionId === sessionId && !session.isActive,
    );
    onB.disconnect();
    await wentInactive;
    expect(await liveSessionIds(admin)).not.toContain(sessionId);
  });

  it('signs a disabled agent out of A when B disables the account', async () => {
    const accounts = b.app.get(AdminAccountsService);
    const { admin: agent, password } = await accounts.create({
      email: `agent-${randomUUID()}@example.com`,
      name: 'Agent',
      role: 'agent',
    });
    const { accessToken } = await login(a, agent.email, password);
    const agentOnA = await connectAdmin(a, accessToken);
    const signedOut = nextEvent(agentOnA, 'disconnect');
    await disableAccount(b, agent.id);
    expect(await signedOut).toBe('io server disconnect');
  });

  it('forgets the sessions of an instance cut off from Redis within a lease, and has them back when Redis returns', async () => {
    const admin = await connectAdmin(b);
    const { widget, sessionId } = await openSession(a);
    expect(await liveSessionIds(admin)).toContain(sessionId);

    await proxy.cut('refuse');
    // A still commits and acks; B hears of it only from the database.
    const sent = await ackOk(widget, WidgetEvent.UserMessage, {
      sessionId,
      content: 'While Redis is away',
    });
    expect(sent.ok).toBe(true);
    await eventually(async () => {
      expect(await liveSessionIds(admin)).not.toContain(sessionId);
    }, 3 * LEASE_MS);
    const history = await ackOk(admin, AdminEvent.GetMessages, { sessionId });
    expect(history.messages.map(({ id }: { id: string }) => id)).toContain(
      sent.message.id,
    );

    await proxy.restore();
    await eventually(async () => {
      expect(await liveSessionIds(admin)).toContain(sessionId);
    }, RECONNECT_BOUND_MS);
    await ack(admin, AdminEvent.JoinSession, { sessionId });
    await eventually(async () => {
      const typing = nextEvent(
        widget,
        WidgetServerEvent.AdminTyping,
        () => true,
        300,
      );
      await ack(admin, AdminEvent.Typing, { sessionId, isTyping: true });
      await typing;
    }, RECONNECT_BOUND_MS);
    const newMessage = nextEvent(
      admin,
      AdminServerEvent.NewMessage,
      (event) => event.sessionId === sessionId,
    );
    await ack(widget, WidgetEvent.UserMessage, {
      sessionId,
      content: 'Redis is back',
    });
    expect((await newMessage).message.content).toBe('Redis is back');
  });

  it('forgets the sessions of an instance that shuts down at once, and leaves nothing in Redis', async () => {
    const admin = await connectAdmin(b);
    const { sessionId } = await openSession(a);
    expect(await liveSessionIds(admin)).toContain(sessionId);

    await a.close();
    running.delete(a);
    expect(await liveSessionIds(admin)).not.toContain(sessionId);

    closeAll();
    await b.close();
    running.delete(b);
    expect(await redisKeysUnder(keyPrefix)).toEqual([]);
  });
});

describe('An instance whose Redis goes away', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const proxied = await proxyInFrontOf(TEST_REDIS_URL, 6379);
    proxy = proxied.proxy;
    await proxy.cut('refuse');
    server = await startInstance(db, uniqueRedisKeyPrefix(), proxied.url);
  });

  afterEach(() => closeAll());

  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await db?.drop();
  });

  async function chatStillWorks() {
    const admin = await connectAdmin(server);
    const { widget, sessionId } = await openSession(server);
    const newMessage = nextEvent(
      admin,
      AdminServerEvent.NewMessage,
      (event) => event.sessionId === sessionId,
    );
    const sent = await ackOk(widget, WidgetEvent.UserMessage, {
      sessionId,
      content: 'Redis or not',
    });
    expect(sent.ok).toBe(true);
    expect((await newMessage).message.id).toBe(sent.message.id);
    expect(await liveSessionIds(admin)).toContain(sessionId);
  }

  it('starts without Redis, is not ready, and chat on it still works', async () => {
    const { response, elapsedMs } = await readiness(server);
    expect(elapsedMs).toBeLessThan(READINESS_BOUND_MS);
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({
      status: 'error',
      info: { database: { status: 'up' } },
      error: { redis: { status: 'down' } },
    });
    expect(JSON.stringify(response.body)).not.toContain(String(proxy.port));
    await chatStillWorks();
  });

  it('signs a disabled agent out while Redis is away', async () => {
    const accounts = server.app.get(AdminAccountsService);
    const { admin: agent, password } = await accounts.create({
      email: `agent-${randomUUID()}@example.com`,
      name: 'Agent',
      role: 'agent',
    });
    const { accessToken } = await login(server, agent.email, password);
    const agentSocket = await connectAdmin(server, accessToken);
    const signedOut = nextEvent(agentSocket, 'disconnect');
    await disableAccount(server, agent.id);
    expect(await signedOut).toBe('io server disconnect');
  });

  it('is ready by itself once Redis is back', async () => {
    await proxy.restore();
    await eventually(async () => {
      const { response } = await readiness(server);
      expect(response.status).toBe(200);
      expect(response.body.info.redis).toMatchObject({ status: 'up' });
    }, RECONNECT_BOUND_MS);
  });

  it('answers readiness in time when Redis stalls, and chat on it still works', async () => {
    await proxy.cut('blackhole');
    const { response, elapsedMs } = await readiness(server);
    expect(elapsedMs).toBeLessThan(READINESS_BOUND_MS);
    expect(response.status).toBe(503);
    expect(response.body.error.redis.status).toBe('down');
    await chatStillWorks();

    await proxy.restore();
    await eventually(async () => {
      expect((await readiness(server)).response.status).toBe(200);
    }, RECONNECT_BOUND_MS);
  });
});
