import request from 'supertest';
import { AdminEvent } from '../src/realtime/admin.events';
import { WidgetEvent } from '../src/realtime/widget.events';
import { adminEnv, connectAdmin } from './utils/admin';
import { ack, ackOk, closeAll, refusal } from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';
import { newVisitor } from './utils/visitor';

const MAX_MESSAGES = 4;

describe('Messages per session', () => {
  let db: TestDatabase;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp({
      ...db.env,
      ...adminEnv,
      SESSION_MAX_MESSAGES: String(MAX_MESSAGES),
    });
  });

  afterEach(() => closeAll());

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it("refuses a visitor's message beyond SESSION_MAX_MESSAGES with CONFLICT, and still takes retries and agents' replies", async () => {
    const { socket, sessionId } = await newVisitor(server);
    for (let i = 1; i < MAX_MESSAGES; i++) {
      await ackOk(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: `Message ${i}`,
      });
    }
    const last = await ackOk(socket, WidgetEvent.UserMessage, {
      sessionId,
      content: 'The last one that fits',
      clientMessageId: 'last',
    });

    const refused = refusal(
      await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'One too many',
      }),
    );
    expect(refused).toEqual({
      code: 'CONFLICT',
      message: expect.stringContaining(`${MAX_MESSAGES} messages`),
      details: { maxMessages: MAX_MESSAGES },
    });
    const overRest = await request(server.url)
      .post('/api/chat/message')
      .send({ sessionId, content: 'Over REST', sender: 'user' });
    expect(overRest.status).toBe(409);
    expect(overRest.body).toMatchObject({
      code: 'CONFLICT',
      details: { maxMessages: MAX_MESSAGES },
    });

    const retried = await ack(socket, WidgetEvent.UserMessage, {
      sessionId,
      content: 'The last one that fits',
      clientMessageId: 'last',
    });
    expect(retried).toEqual({ ok: true, message: last.message });
    const agent = await connectAdmin(server);
    await ackOk(agent, AdminEvent.AdminMessage, {
      sessionId,
      content: 'An agent can still answer.',
    });
    const { messages } = await ackOk(socket, WidgetEvent.Sync, { sessionId });
    expect(messages.map(({ sender }) => sender)).toEqual([
      ...Array.from({ length: MAX_MESSAGES }, () => 'user'),
      'admin',
    ]);
  });
});
