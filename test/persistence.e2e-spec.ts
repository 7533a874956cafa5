import request from 'supertest';
import type { MessageView } from '../src/messages/dto/message.view';
import { WidgetEvent } from '../src/realtime/widget.events';
import type { SessionView } from '../src/sessions/dto/session.view';
import { ack, ackOk, closeAll, connect } from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

/** A restart is a new app process on the same database: everything comes back from storage. */
describe('history across an app restart', () => {
  let db: TestDatabase;
  let server: TestApp | undefined;
  let sessionId: string;
  let before: { session: SessionView; messages: MessageView[] };

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp(db.env);
    const widget = await connect(server.url);
    const init = await ackOk(widget, WidgetEvent.InitSession, {});
    sessionId = init.sessionId;
    for (const [index, content] of ['first', 'second', 'third'].entries()) {
      const reply = await ack(widget, WidgetEvent.UserMessage, {
        sessionId,
        content,
        clientMessageId: `before-restart-${index}`,
      });
      expect(reply.ok).toBe(true);
    }
    const resumed = await ackOk(widget, WidgetEvent.InitSession, { sessionId });
    before = { session: resumed.session, messages: resumed.messages };
    closeAll();
    await server.close();
    server = await startApp(db.env);
  });

  afterEach(() => closeAll());

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('resumes the session with the same messages and ids', async () => {
    expect(before.messages.map((message) => message.content)).toEqual([
      'first',
      'second',
      'third',
    ]);
    const widget = await connect(server!.url);
    const resumed = await ackOk(widget, WidgetEvent.InitSession, {
      sessionId,
    });
    expect(resumed.ok).toBe(true);
    expect(resumed.sessionId).toBe(sessionId);
    expect(resumed.session).toEqual(before.session);
    expect(resumed.messages).toEqual(before.messages);
  });

  it('serves the same history over REST', async () => {
    const response = await request(server!.app.getHttpServer()).get(
      `/api/chat/messages/${sessionId}`,
    );
    expect(response.status).toBe(200);
    expect(response.body.messages).toEqual(before.messages);
  });

  it('still knows a clientMessageId sent before the restart', async () => {
    const widget = await connect(server!.url);
    await ack(widget, WidgetEvent.InitSession, { sessionId });
    const retry = await ack(widget, WidgetEvent.UserMessage, {
      sessionId,
      content: 'second',
      clientMessageId: 'before-restart-1',
    });
    expect(retry).toEqual({ ok: true, message: before.messages[1] });
    const conflict = await ack(widget, WidgetEvent.UserMessage, {
      sessionId,
      content: 'not the second',
      clientMessageId: 'before-restart-1',
    });
    expect(conflict).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('gives a new message an id larger than every id from before', async () => {
    const widget = await connect(server!.url);
    await ack(widget, WidgetEvent.InitSession, { sessionId });
    const reply = await ackOk(widget, WidgetEvent.UserMessage, {
      sessionId,
      content: 'after the restart',
    });
    expect(reply.ok).toBe(true);
    const newest = BigInt(reply.message.id);
    for (const message of before.messages) {
      expect(newest > BigInt(message.id)).toBe(true);
    }
    const page = await ackOk(widget, WidgetEvent.Sync, {
      sessionId,
      after: before.messages[2].id,
    });
    expect(page.messages).toEqual([reply.message]);
  });
});
