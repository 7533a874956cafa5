import request from 'supertest';
import { WidgetEvent } from '../src/realtime/widget.events';
import { ackOk, closeAll, connect } from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

describe('CORS_ORIGINS=*', () => {
  const app = { server: undefined as unknown as TestApp };
  let db: Promise<TestDatabase> | undefined;
  let started: Promise<TestApp> | undefined;

  beforeAll(async () => {
    db = createTestDatabase();
    const { env } = await db;
    started = startApp({ ...env, CORS_ORIGINS: '*' });
    app.server = await started;
  });

  afterEach(() => closeAll());

  afterAll(async () => {
    await (await started?.catch(() => undefined))?.close();
    await (await db?.catch(() => undefined))?.drop();
  });

  const anySite = 'https://any-site.example.org';

  it('lets every site call the API, without credentials', async () => {
    const simple = await request(app.server.url)
      .get('/health')
      .set('Origin', anySite)
      .expect(200);
    expect(simple.headers['access-control-allow-origin']).toBe('*');
    expect(simple.headers['access-control-allow-credentials']).toBeUndefined();
    const preflight = await request(app.server.url)
      .options('/api/chat/session')
      .set('Origin', anySite)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(
      preflight.headers['access-control-allow-credentials'],
    ).toBeUndefined();
  });

  it("lets every site's widget connect, without credentials", async () => {
    const handshake = await request(app.server.url)
      .get('/socket.io/?EIO=4&transport=polling')
      .set('Origin', anySite)
      .expect(200);
    expect(handshake.headers['access-control-allow-origin']).toBe('*');
    expect(
      handshake.headers['access-control-allow-credentials'],
    ).toBeUndefined();
    const widget = await connect(app.server.url, {
      extraHeaders: { Origin: anySite },
    });
    await ackOk(widget, WidgetEvent.InitSession, {});
  });
});
