import request from 'supertest';
import { WidgetEvent } from '../src/realtime/widget.events';
import { ackOk, closeAll, connect } from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

describe('Client addresses on a dual-stack listener, as `npm start` listens', () => {
  let db: TestDatabase;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp(db.env, { host: '::' });
  });

  afterAll(async () => {
    closeAll();
    await server?.close();
    await db?.drop();
  });

  it('stores an IPv4 visitor address in plain IPv4 form, over REST and over the socket', async () => {
    const created = await request(server.url)
      .post('/api/chat/session')
      .send({})
      .expect(201);
    expect(created.body.session.ipAddress).toBe('127.0.0.1');

    const widget = await connect(server.url);
    const init = await ackOk(widget, WidgetEvent.InitSession, {});
    expect(init.session.ipAddress).toBe('127.0.0.1');
  });
});
