import { Logger } from '@nestjs/common';
import request from 'supertest';
import { WidgetEvent } from '../src/realtime/widget.events';
import { adminEnv, login } from './utils/admin';
import { forwardedFor } from './utils/limits';
import { ack, ackOk, closeAll, connect, refusal } from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

/** Starts the app on a database of its own; stops both after the describe block, even after a failed start. */
function appWith(
  env: Record<string, string>,
  host?: '127.0.0.1' | '::',
): { server: TestApp } {
  const handle = { server: undefined as unknown as TestApp };
  let db: Promise<TestDatabase> | undefined;
  let started: Promise<TestApp> | undefined;
  beforeAll(async () => {
    db = createTestDatabase();
    const { env: dbEnv } = await db;
    started = startApp({ ...dbEnv, ...env }, { host });
    handle.server = await started;
  });
  afterEach(() => closeAll());
  afterAll(async () => {
    await (await started?.catch(() => undefined))?.close();
    await (await db?.catch(() => undefined))?.drop();
  });
  return handle;
}

async function restSessionAddress(
  server: TestApp,
  headers: Record<string, string>,
): Promise<string> {
  const created = await request(server.url)
    .post('/api/chat/session')
    .set(headers)
    .send({})
    .expect(201);
  return created.body.session.ipAddress as string;
}

async function widgetSessionAddress(
  server: TestApp,
  headers: Record<string, string>,
): Promise<string> {
  const widget = await connect(server.url, { extraHeaders: headers });
  return (await ackOk(widget, WidgetEvent.InitSession, {})).session.ipAddress!;
}

describe('Client addresses on a dual-stack listener, as `npm start` listens', () => {
  const app = appWith({}, '::');

  it('stores an IPv4 visitor address in plain IPv4 form, over REST and over the socket', async () => {
    expect(await restSessionAddress(app.server, {})).toBe('127.0.0.1');
    expect(await widgetSessionAddress(app.server, {})).toBe('127.0.0.1');
  });
});

describe('Behind one proxy (TRUST_PROXY=1)', () => {
  const app = appWith({
    ...adminEnv,
    TRUST_PROXY: '1',
    NEW_SESSIONS_PER_HOUR_PER_IP: '3',
    MAX_CONNECTIONS_PER_IP: '2',
  });

  it('stores the address the proxy saw, not the left-most entry the client wrote, over REST and the socket', async () => {
    expect(
      await restSessionAddress(
        app.server,
        forwardedFor('6.6.6.6, 203.0.113.7'),
      ),
    ).toBe('203.0.113.7');
    expect(
      await widgetSessionAddress(
        app.server,
        forwardedFor('6.6.6.6, 203.0.113.8'),
      ),
    ).toBe('203.0.113.8');
  });

  it('stores an IP address whatever the client writes', async () => {
    expect(
      await restSessionAddress(app.server, forwardedFor('javascript:alert(1)')),
    ).toBe('127.0.0.1');
    expect(
      await widgetSessionAddress(app.server, forwardedFor('<b>admin</b>')),
    ).toBe('127.0.0.1');
  });

  it('keeps a client that rotates the left-most entry to its own budget', async () => {
    const rotating = (i: number) => forwardedFor(`10.9.9.${i}, 198.51.100.20`);
    for (let i = 1; i <= 3; i++) {
      await request(app.server.url)
        .post('/api/chat/session')
        .set(rotating(i))
        .send({})
        .expect(201);
    }
    const refused = await request(app.server.url)
      .post('/api/chat/session')
      .set(rotating(4))
      .send({});
    expect(refused.status).toBe(429);
    const widget = await connect(app.server.url, { extraHeaders: rotating(5) });
    expect(refusal(await ack(widget, WidgetEvent.InitSession, {})).code).toBe(
      'RATE_LIMITED',
    );
  });

  it("counts both namespaces' connections against the address the proxy saw", async () => {
    const { accessToken } = await login(app.server);
    await connect(app.server.url, {
      extraHeaders: forwardedFor('1.1.1.1, 198.51.100.30'),
    });
    await connect(app.server.url, {
      namespace: '/admin',
      auth: { token: accessToken },
      extraHeaders: forwardedFor('2.2.2.2, 198.51.100.30'),
    });
    await expect(
      connect(app.server.url, {
        extraHeaders: forwardedFor('3.3.3.3, 198.51.100.30'),
      }),
    ).rejects.toThrow();
    await connect(app.server.url, {
      extraHeaders: forwardedFor('198.51.100.31'),
    });
  });
});

describe('Behind proxies given by address (TRUST_PROXY=loopback,10.0.0.0/8)', () => {
  const app = appWith({ TRUST_PROXY: 'loopback, 10.0.0.0/8' });

  it('takes the right-most address that is not a trusted proxy', async () => {
    const chain = forwardedFor('6.6.6.6, 203.0.113.9, 10.1.2.3');
    expect(await restSessionAddress(app.server, chain)).toBe('203.0.113.9');
    expect(await widgetSessionAddress(app.server, chain)).toBe('203.0.113.9');
  });
});

describe('X-Forwarded-For while no proxy is trusted', () => {
  const app = appWith({});
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn');
  });

  afterEach(() => warn.mockRestore());

  it('ignores the header and says once what to set', async () => {
    const headers = forwardedFor('203.0.113.50');
    expect(await restSessionAddress(app.server, headers)).toBe('127.0.0.1');
    expect(await widgetSessionAddress(app.server, headers)).toBe('127.0.0.1');
    await request(app.server.url).get('/health').set(headers).expect(200);
    const aboutProxies = warn.mock.calls.filter(([message]) =>
      String(message).includes('TRUST_PROXY'),
    );
    expect(aboutProxies).toHaveLength(1);
    expect(String(aboutProxies[0][0])).toMatch(
      /X-Forwarded-For.*TRUST_PROXY=1/,
    );
  });
});
