import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { io } from 'socket.io-client';
import { AdminEvent } from '../src/realtime/admin.events';
import { WidgetEvent } from '../src/realtime/widget.events';
import { adminEnv, login } from './utils/admin';
import { forwardedFor } from './utils/limits';
import {
  ack,
  ackOk,
  closeAll,
  connect,
  nextEvent,
  rawAck,
  record,
  refusal,
  type TestSocket,
} from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

/** Each test speaks from its own address (through a trusted proxy), so no test spends another's budget. */
let nextAddress = 1;
const newAddress = () => `198.51.100.${nextAddress++}`;

/** An engine.io polling handshake that joins no namespace, as a script would open it. */
async function pollingHandshake(server: TestApp, address: string) {
  const response = await request(server.url)
    .get('/socket.io/?EIO=4&transport=polling')
    .set(forwardedFor(address));
  const sid =
    response.status === 200
      ? (JSON.parse(response.text.slice(1)) as { sid: string }).sid
      : undefined;
  return { status: response.status, text: response.text, sid };
}

/** Closes a polling connection the way engine.io-client does: a close packet. */
async function closePolling(server: TestApp, sid: string): Promise<void> {
  await request(server.url)
    .post(`/socket.io/?EIO=4&transport=polling&sid=${sid}`)
    .set('Content-Type', 'text/plain;charset=UTF-8')
    .send('1')
    .expect(200);
}

/** Starts the app on a database of its own; stops both after the describe block, even after a failed start. */
function appWith(env: Record<string, string>) {
  const handle = { server: undefined as unknown as TestApp };
  let db: Promise<TestDatabase> | undefined;
  let started: Promise<TestApp> | undefined;
  beforeAll(async () => {
    db = createTestDatabase();
    const { env: dbEnv } = await db;
    started = startApp({ ...dbEnv, TRUST_PROXY: '1', ...env });
    handle.server = await started;
  });
  afterEach(() => closeAll());
  afterAll(async () => {
    await (await started?.catch(() => undefined))?.close();
    await (await db?.catch(() => undefined))?.drop();
  });
  return handle;
}

describe('The default limits stop a script within seconds', () => {
  // The human-scale defaults are production's; development's stay out of local clients' way.
  const app = appWith({
    NODE_ENV: 'production',
    JWT_SECRET: 'q0Xk3vJ9Zr7+fWmL2bYc8TnHsGd5Ae1PuVo4Ri6Ky3Nw',
  });

  it('stores at most one burst from a socket that sends as fast as it can, then disconnects it', async () => {
    const script = await connect(app.server.url, {
      extraHeaders: forwardedFor(newAddress()),
    });
    const { sessionId } = await ackOk(script, WidgetEvent.InitSession, {});
    const errors = record(script, 'error');
    const disconnected = nextEvent(script, 'disconnect', () => true, 10_000);
    const startedAt = Date.now();
    for (let i = 0; i < 200; i++) {
      script.emit(WidgetEvent.UserMessage, { sessionId, content: `spam ${i}` });
    }
    expect(await disconnected).toBe('io server disconnect');
    expect(Date.now() - startedAt).toBeLessThan(5000);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({
      event: WidgetEvent.UserMessage,
      code: 'RATE_LIMITED',
    });
    // Messages of one session commit in order: once this one is acked, every accepted one before it is stored.
    const visitor = await connect(app.server.url, {
      extraHeaders: forwardedFor(newAddress()),
    });
    await ackOk(visitor, WidgetEvent.InitSession, { sessionId });
    const last = await ackOk(visitor, WidgetEvent.UserMessage, {
      sessionId,
      content: 'a visitor after the script',
    });
    const stored = await request(app.server.url)
      .get(`/api/chat/messages/${sessionId}?limit=200`)
      .expect(200);
    const fromScript = (stored.body.messages as { id: string }[]).filter(
      (message) => message.id !== last.message.id,
    );
    // A burst of 20 events, init_session included (sends still queued when it was cut off are dropped).
    expect(fromScript.length).toBeLessThanOrEqual(19);
  });

  it('lets an address start tens of conversations an hour, on both transports, and resume any of them', async () => {
    const address = newAddress();
    const first = await request(app.server.url)
      .post('/api/chat/session')
      .set(forwardedFor(address))
      .send({})
      .expect(201);
    for (let i = 1; i < 30; i++) {
      await request(app.server.url)
        .post('/api/chat/session')
        .set(forwardedFor(address))
        .send({})
        .expect(201);
    }

    const widget = await connect(app.server.url, {
      extraHeaders: forwardedFor(address),
    });
    const refused = refusal(await ack(widget, WidgetEvent.InitSession, {}));
    expect(refused).toMatchObject({ code: 'RATE_LIMITED' });
    // The budget refills at one new session every two minutes.
    expect(Number(refused.details?.retryAfterMs)).toBeGreaterThan(60_000);
    const unknownId = refusal(
      await ack(widget, WidgetEvent.InitSession, { sessionId: randomUUID() }),
    );
    expect(unknownId.code).toBe('RATE_LIMITED');
    const overRest = await request(app.server.url)
      .post('/api/chat/session')
      .set(forwardedFor(address))
      .send({});
    expect(overRest.status).toBe(429);
    expect(Number(overRest.headers['retry-after'])).toBeGreaterThan(60);

    const resumed = await ackOk(widget, WidgetEvent.InitSession, {
      sessionId: first.body.sessionId,
    });
    expect(resumed.sessionId).toBe(first.body.sessionId);
    const neighbour = await connect(app.server.url, {
      extraHeaders: forwardedFor(newAddress()),
    });
    await ackOk(neighbour, WidgetEvent.InitSession, {});
  });
});

describe('Every event counts', () => {
  // A burst of 3, then 10 events a second.
  const app = appWith({
    WIDGET_EVENT_BURST: '3',
    WIDGET_EVENTS_PER_MINUTE: '600',
  });

  const widget = () =>
    connect(app.server.url, { extraHeaders: forwardedFor(newAddress()) });

  it("spends the socket's budget on unknown events and the admin namespace's events", async () => {
    const socket = await widget();
    const replies = (await Promise.all([
      ...Array.from({ length: 6 }, () => rawAck(socket, 'no-such-event', {})),
      ...Array.from({ length: 6 }, () =>
        rawAck(socket, AdminEvent.GetSessions),
      ),
    ])) as { ok: boolean; error: { code: string } }[];
    const codes = replies.map((reply) => reply.error.code);
    for (const code of codes) {
      expect(['VALIDATION_FAILED', 'FORBIDDEN', 'RATE_LIMITED']).toContain(
        code,
      );
    }
    // 12 events at once against a burst of 3: most arrive before the next token does.
    expect(
      codes.filter((code) => code === 'RATE_LIMITED').length,
    ).toBeGreaterThanOrEqual(5);
    expect(socket.connected).toBe(true);
  });

  it('disconnects a socket flooding with events nobody serves', async () => {
    const socket = await widget();
    const disconnected = nextEvent(socket, 'disconnect', () => true, 10_000);
    for (let i = 0; i < 100; i++) socket.emit('no-such-event', {});
    expect(await disconnected).toBe('io server disconnect');
  });

  it('disconnects a socket refused 20 times within a minute, however it paces its attempts', async () => {
    const socket = await widget();
    const { sessionId } = await ackOk(socket, WidgetEvent.InitSession, {});
    const disconnected = nextEvent(socket, 'disconnect', () => true, 20_000);
    // It waits as told after each refusal, so it is never refused twice in a row.
    const pacedFlood = async (socket: TestSocket) => {
      while (socket.connected) {
        const reply = await ack(socket, WidgetEvent.Typing, {
          sessionId,
          isTyping: true,
        }).catch(() => null);
        if (reply && !reply.ok && reply.error.code === 'RATE_LIMITED') {
          const wait = Number(reply.error.details?.retryAfterMs ?? 100);
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    };
    const flooding = pacedFlood(socket);
    expect(await disconnected).toBe('io server disconnect');
    await flooding;
  });
});

describe('Limits for strangers', () => {
  const app = appWith({
    ...adminEnv,
    MESSAGE_MAX_LENGTH: '100',
    WIDGET_EVENT_BURST: '20',
    WIDGET_EVENTS_PER_MINUTE: '20',
    MAX_CONNECTIONS_PER_IP: '4',
    HTTP_WRITES_PER_MINUTE_PER_IP: '5',
    CORS_ORIGINS: 'https://shop.example.com',
  });

  it('answers a flooding socket RATE_LIMITED while a calm one on the same IP keeps its service', async () => {
    const address = newAddress();
    const flooder = await connect(app.server.url, {
      extraHeaders: forwardedFor(address),
    });
    const { sessionId } = await ackOk(flooder, WidgetEvent.InitSession, {});
    const replies = await Promise.all(
      Array.from({ length: 30 }, () =>
        ack(flooder, WidgetEvent.Typing, { sessionId, isTyping: true }),
      ),
    );
    const limited = replies.filter((reply) => !reply.ok);
    expect(limited.length).toBeGreaterThanOrEqual(9);
    expect(limited[0].error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterMs: expect.any(Number) },
    });
    const calm = await connect(app.server.url, {
      extraHeaders: forwardedFor(address),
    });
    const init = await ackOk(calm, WidgetEvent.InitSession, {});
    const sent = await ack(calm, WidgetEvent.UserMessage, {
      sessionId: init.sessionId,
      content: 'hello',
    });
    expect(sent.ok).toBe(true);
  });

  it('disconnects a socket that keeps flooding after being refused', async () => {
    const address = newAddress();
    const flooder = await connect(app.server.url, {
      extraHeaders: forwardedFor(address),
    });
    const { sessionId } = await ackOk(flooder, WidgetEvent.InitSession, {});
    const reason = nextEvent(flooder, 'disconnect');
    for (let i = 0; i < 200 && flooder.connected; i++) {
      flooder.emit(WidgetEvent.Typing, { sessionId, isTyping: true });
    }
    expect(await reason).toBe('io server disconnect');
    const calm = await connect(app.server.url, {
      extraHeaders: forwardedFor(address),
    });
    expect((await ack(calm, WidgetEvent.InitSession, {})).ok).toBe(true);
  });

  it('caps open connections per IP at the engine, polling handshakes that join no namespace included', async () => {
    const address = newAddress();
    const headers = forwardedFor(address);
    await connect(app.server.url, { extraHeaders: headers });
    const { accessToken } = await login(app.server);
    await connect(app.server.url, {
      namespace: '/admin',
      auth: { token: accessToken },
      extraHeaders: headers,
    });
    const first = await pollingHandshake(app.server, address);
    const second = await pollingHandshake(app.server, address);
    expect([first.status, second.status]).toEqual([200, 200]);

    const refused = await pollingHandshake(app.server, address);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toMatchObject({ message: 'RATE_LIMITED' });
    await expect(
      connect(app.server.url, { extraHeaders: headers }),
    ).rejects.toThrow();
    await connect(app.server.url, {
      extraHeaders: forwardedFor(newAddress()),
    });

    await closePolling(app.server, first.sid!);
    const again = await pollingHandshake(app.server, address);
    expect(again.status).toBe(200);
    await closePolling(app.server, second.sid!);
    await closePolling(app.server, again.sid!);
  });

  it('limits POST /api/chat/session per IP, with Retry-After', async () => {
    const address = newAddress();
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 7; i++) {
      last = await request(app.server.url)
        .post('/api/chat/session')
        .set(forwardedFor(address))
        .send({});
      statuses.push(last.status);
    }
    expect(
      statuses.filter((status) => status === 201).length,
    ).toBeLessThanOrEqual(5);
    expect(last!.status).toBe(429);
    expect(last!.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('closes a connection that sends an oversized frame, and keeps serving', async () => {
    const socket = await connect(app.server.url, {
      extraHeaders: forwardedFor(newAddress()),
    });
    const closed = nextEvent(socket, 'disconnect');
    socket.emit(WidgetEvent.UserMessage, {
      sessionId: 'x',
      content: 'x'.repeat(5 * 1024 * 1024),
    });
    await closed;
    const healthy = await request(app.server.url).get('/health').expect(200);
    expect(healthy.body.status).toBe('ok');
  });

  it('refuses widget and admin connections and HTTP requests from a foreign origin', async () => {
    const foreign = io(app.server.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { Origin: 'https://evil.example.net' },
    });
    const error = await new Promise<Error>((resolve) =>
      foreign.once('connect_error', resolve),
    );
    foreign.disconnect();
    expect(error).toBeInstanceOf(Error);
    const refused = await request(app.server.url)
      .post('/api/chat/session')
      .set('Origin', 'https://evil.example.net')
      .send({});
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    const listed = await request(app.server.url)
      .get('/health')
      .set('Origin', 'https://shop.example.com')
      .expect(200);
    expect(listed.headers['access-control-allow-origin']).toBe(
      'https://shop.example.com',
    );
    await connect(app.server.url, {
      extraHeaders: { Origin: 'https://shop.example.com' },
    });
    const { accessToken } = await login(app.server);
    const agentFrom = (origin: string) =>
      connect(app.server.url, {
        namespace: '/admin',
        auth: { token: accessToken },
        extraHeaders: { Origin: origin, ...forwardedFor(newAddress()) },
      });
    await expect(agentFrom('https://evil.example.net')).rejects.toThrow();
    await agentFrom('https://shop.example.com');
  });

  it('sends security headers', async () => {
    const response = await request(app.server.url).get('/health').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});
