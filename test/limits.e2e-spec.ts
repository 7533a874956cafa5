import request from 'supertest';
import { io } from 'socket.io-client';
import { WidgetEvent } from '../src/realtime/widget.events';
import { adminEnv, login } from './utils/admin';
import { ack, ackOk, closeAll, connect, sleep } from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

describe('Limits for strangers', () => {
  let db: TestDatabase;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp({
      ...db.env,
      ...adminEnv,
      MESSAGE_MAX_LENGTH: '100',
      WIDGET_EVENTS_PER_MINUTE: '20',
      MAX_CONNECTIONS_PER_IP: '4',
      HTTP_WRITES_PER_MINUTE_PER_IP: '5',
      CORS_ORIGINS: 'https://shop.example.com',
    });
  });

  afterEach(async () => {
    closeAll();
    await sleep(100);
  });

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('answers a flooding socket RATE_LIMITED while a calm one on the same IP keeps its service', async () => {
    const flooder = await connect(server.url);
    const { sessionId } = await ackOk(flooder, WidgetEvent.InitSession, {});
    const replies = await Promise.all(
      Array.from({ length: 40 }, () =>
        ack(flooder, WidgetEvent.Typing, { sessionId, isTyping: true }),
      ),
    );
    const limited = replies.filter((reply) => !reply.ok);
    expect(limited.length).toBeGreaterThanOrEqual(19);
    expect(limited[0].error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterMs: expect.any(Number) },
    });
    const calm = await connect(server.url);
    const init = await ackOk(calm, WidgetEvent.InitSession, {});
    const sent = await ack(calm, WidgetEvent.UserMessage, {
      sessionId: init.sessionId,
      content: 'hello',
    });
    expect(sent.ok).toBe(true);
  });

  it('disconnects a socket that keeps flooding after being refused', async () => {
    const flooder = await connect(server.url);
    const { sessionId } = await ackOk(flooder, WidgetEvent.InitSession, {});
    const reason = new Promise<string>((resolve) =>
      flooder.once('disconnect', resolve),
    );
    for (let i = 0; i < 200 && flooder.connected; i++) {
      flooder.emit(WidgetEvent.Typing, { sessionId, isTyping: true });
    }
    expect(await reason).toBe('io server disconnect');
    const calm = await connect(server.url);
    expect((await ack(calm, WidgetEvent.InitSession, {})).ok).toBe(true);
  });

  it('caps concurrent widget connections per IP', async () => {
    for (let i = 0; i < 4; i++) await connect(server.url);
    await expect(connect(server.url)).rejects.toThrow('RATE_LIMITED');
  });

  it('limits POST /api/chat/session per IP, with Retry-After', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 7; i++) {
      last = await request(server.url).post('/api/chat/session').send({});
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
    const socket = await connect(server.url);
    const closed = new Promise((resolve) => socket.once('disconnect', resolve));
    socket.emit(WidgetEvent.UserMessage, {
      sessionId: 'x',
      content: 'x'.repeat(5 * 1024 * 1024),
    });
    await closed;
    const healthy = await request(server.url).get('/health').expect(200);
    expect(healthy.body.status).toBe('ok');
  });

  it('refuses widget and admin connections and HTTP requests from a foreign origin', async () => {
    const foreign = io(server.url, {
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
    const refused = await request(server.url)
      .post('/api/chat/session')
      .set('Origin', 'https://evil.example.net')
      .send({});
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    const listed = await request(server.url)
      .get('/health')
      .set('Origin', 'https://shop.example.com')
      .expect(200);
    expect(listed.headers['access-control-allow-origin']).toBe(
      'https://shop.example.com',
    );
    await connect(server.url, {
      extraHeaders: { Origin: 'https://shop.example.com' },
    });
    const { accessToken } = await login(server);
    const agentFrom = (origin: string) =>
      connect(server.url, {
        namespace: '/admin',
        auth: { token: accessToken },
        extraHeaders: { Origin: origin },
      });
    await expect(agentFrom('https://evil.example.net')).rejects.toThrow();
    await agentFrom('https://shop.example.com');
  });

  it('sends security headers', async () => {
    const response = await request(server.url).get('/health').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});
