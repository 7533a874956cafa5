import { randomUUID } from 'node:crypto';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';
import { createTestDatabase, type TestDatabase } from './utils/test-database';
import { raisedLimits } from './utils/limits';
import { startApp, type TestApp } from './utils/test-app';
import {
  ack,
  ackOk,
  closeAll,
  connect,
  nextEvent,
  rawAck,
  record,
  refusal,
  sleep,
} from './utils/sockets';

describe('Widget namespace /', () => {
  let db: TestDatabase;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Bursts of up to 200 messages from one socket: the limits are not the subject here.
    server = await startApp({
      ...db.env,
      MESSAGE_MAX_LENGTH: '20',
      ...raisedLimits,
    });
  });

  afterEach(() => closeAll());

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  async function newWidget() {
    const socket = await connect(server.url);
    const init = await ackOk(socket, WidgetEvent.InitSession, {});
    return { socket, sessionId: init.sessionId, init };
  }

  describe('init_session', () => {
    it('starts a new session, emits session_init and returns an empty history', async () => {
      const socket = await connect(server.url);
      const sessionInit = nextEvent(socket, WidgetServerEvent.SessionInit);
      const reply = await ackOk(socket, WidgetEvent.InitSession, {});
      expect(reply.ok).toBe(true);
      expect(reply.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(reply.session).toMatchObject({
        id: reply.sessionId,
        sessionId: reply.sessionId,
        status: 'open',
        aiEnabled: false,
        assignedAdminId: null,
      });
      expect(reply.messages).toEqual([]);
      expect(await sessionInit).toEqual({ sessionId: reply.sessionId });
    });

    it('resumes a known session with its last 50 messages, oldest first', async () => {
      const { socket, sessionId } = await newWidget();
      for (let i = 1; i <= 55; i++) {
        await ack(socket, WidgetEvent.UserMessage, {
          sessionId,
          content: `m${i}`,
        });
      }
      const other = await connect(server.url);
      const reply = await ackOk(other, WidgetEvent.InitSession, { sessionId });
      expect(reply.ok).toBe(true);
      expect(reply.messages).toHaveLength(50);
      expect(reply.messages[0].content).toBe('m6');
      expect(reply.messages[49].content).toBe('m55');
    });

    it('creates a well-formed unknown id with that id, stored lower-case', async () => {
      const id = randomUUID();
      const socket = await connect(server.url);
      const reply = await ack(socket, WidgetEvent.InitSession, {
        sessionId: id.toUpperCase(),
      });
      expect(reply).toMatchObject({ ok: true, sessionId: id, session: { id } });
    });

    it.each([[null], ['']])(
      'treats sessionId %p as no id',
      async (sessionId) => {
        const socket = await connect(server.url);
        const reply = await ackOk(socket, WidgetEvent.InitSession, {
          sessionId,
        });
        expect(reply.ok).toBe(true);
        expect(reply.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      },
    );

    it.each([['not-a-uuid'], ['00000000-0000-0000-0000-000000000000'], [42]])(
      'refuses the malformed id %p',
      async (sessionId) => {
        const socket = await connect(server.url);
        const reply = await ack(socket, WidgetEvent.InitSession, { sessionId });
        expect(reply).toMatchObject({
          ok: false,
          error: { code: 'VALIDATION_FAILED' },
        });
      },
    );
  });

  describe('user_message', () => {
    it('acks the committed message with a string id and trimmed content', async () => {
      const { socket, sessionId } = await newWidget();
      const reply = await ackOk(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: '  hello  ',
        clientMessageId: 'c-1',
      });
      expect(reply.ok).toBe(true);
      expect(reply.message).toMatchObject({
        sessionId,
        sender: 'user',
        content: 'hello',
        clientMessageId: 'c-1',
        adminId: null,
      });
      expect(typeof reply.message.id).toBe('string');
      expect(new Date(reply.message.timestamp).toISOString()).toBe(
        reply.message.timestamp,
      );
    });

    it('refuses empty and over-long content instead of truncating it', async () => {
      const { socket, sessionId } = await newWidget();
      const empty = await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: '   ',
      });
      expect(empty).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
      const long = await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'x'.repeat(21),
      });
      expect(long).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
      // 20 code points, 40 UTF-16 units: within the limit.
      const emoji = await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: '😀'.repeat(20),
      });
      expect(emoji.ok).toBe(true);
      const history = await ackOk(socket, WidgetEvent.Sync, { sessionId });
      expect(
        history.messages.map((m: { content: string }) => m.content),
      ).toEqual(['😀'.repeat(20)]);
    });

    it('is FORBIDDEN for a session this socket did not initialise', async () => {
      const { sessionId } = await newWidget();
      const stranger = await connect(server.url);
      const reply = await ack(stranger, WidgetEvent.UserMessage, {
        sessionId,
        content: 'hi',
      });
      expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    });

    it('acks a retry with the original message and fans out nothing new', async () => {
      const { socket, sessionId } = await newWidget();
      const second = await connect(server.url);
      await ack(second, WidgetEvent.InitSession, { sessionId });
      const seen = record(second, WidgetServerEvent.Message);
      const first = await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'once',
        clientMessageId: 'k',
      });
      const retry = await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'once',
        clientMessageId: 'k',
      });
      expect(retry).toEqual(first);
      await sleep(200);
      expect(seen).toHaveLength(1);
      const conflict = await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'other',
        clientMessageId: 'k',
      });
      expect(conflict).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT' },
      });
    });

    it('stores one message when two copies of a send arrive at once', async () => {
      const { socket, sessionId } = await newWidget();
      const payload = { sessionId, content: 'twice', clientMessageId: 'same' };
      const [a, b] = await Promise.all([
        ackOk(socket, WidgetEvent.UserMessage, payload),
        ackOk(socket, WidgetEvent.UserMessage, payload),
      ]);
      expect(a.ok && b.ok).toBe(true);
      expect(a.message.id).toBe(b.message.id);
      const history = await ackOk(socket, WidgetEvent.Sync, { sessionId });
      expect(history.messages).toHaveLength(1);
    });

    it('keeps 200 messages sent without waiting in send order, with increasing ids', async () => {
      const { socket, sessionId } = await newWidget();
      const acks = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          ack(socket, WidgetEvent.UserMessage, { sessionId, content: `n${i}` }),
        ),
      );
      expect(acks.every((reply) => reply.ok)).toBe(true);
      const stored = [
        ...(await ackOk(socket, WidgetEvent.Sync, { sessionId, limit: 200 }))
          .messages,
      ];
      expect(stored.map((m) => m.content)).toEqual(acks.map((_, i) => `n${i}`));
      const ids = stored.map((m) => BigInt(m.id));
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
    });

    it("reaches the session's other widget sockets but not the sender", async () => {
      const { socket, sessionId } = await newWidget();
      const second = await connect(server.url);
      await ack(second, WidgetEvent.InitSession, { sessionId });
      const senderSeen = record(socket, WidgetServerEvent.Message);
      const arrived = nextEvent(second, WidgetServerEvent.Message);
      const reply = await ackOk(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'to the other tab',
      });
      expect(await arrived).toEqual(reply.message);
      await sleep(100);
      expect(senderSeen).toEqual([]);
    });
  });

  describe('sync', () => {
    it('returns everything after the cursor, oldest first, in pages', async () => {
      const { socket, sessionId } = await newWidget();
      const sent = [];
      for (let i = 0; i < 5; i++) {
        sent.push(
          (
            await ackOk(socket, WidgetEvent.UserMessage, {
              sessionId,
              content: `s${i}`,
            })
          ).message,
        );
      }
      const page = await ackOk(socket, WidgetEvent.Sync, {
        sessionId,
        after: sent[1].id,
        limit: 2,
      });
      expect(page).toMatchObject({ ok: true, sessionId, hasMore: true });
      expect(page.messages.map((m: { content: string }) => m.content)).toEqual([
        's2',
        's3',
      ]);
      const rest = await ackOk(socket, WidgetEvent.Sync, {
        sessionId,
        after: page.messages[1].id,
      });
      expect(rest.messages.map((m: { content: string }) => m.content)).toEqual([
        's4',
      ]);
      expect(rest.hasMore).toBe(false);
    });

    it('is FORBIDDEN for a session this socket did not initialise', async () => {
      const { sessionId } = await newWidget();
      const stranger = await connect(server.url);
      const reply = await ack(stranger, WidgetEvent.Sync, { sessionId });
      expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    });
  });

  describe('typing and mark_read', () => {
    it('ack with ok:true', async () => {
      const { socket, sessionId } = await newWidget();
      const sent = await ackOk(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'read me',
      });
      expect(
        await ack(socket, WidgetEvent.Typing, { sessionId, isTyping: true }),
      ).toEqual({ ok: true });
      expect(
        await ack(socket, WidgetEvent.MarkRead, {
          sessionId,
          upTo: sent.message.id,
        }),
      ).toEqual({
        ok: true,
      });
    });
  });

  describe('bad input', () => {
    const events = Object.values(WidgetEvent);
    const junk: unknown[] = [
      'a string',
      42,
      null,
      [1, 2],
      { sessionId: 7 },
      { sessionId: randomUUID(), content: 5 },
      { sessionId: randomUUID(), unknownField: true },
      { sessionId: 'x'.repeat(10000) },
    ];

    it.each(events)(
      '%s answers every malformed payload with a coded error',
      async (event) => {
        const socket = await connect(server.url);
        for (const payload of junk) {
          const reply = await ack(socket, event, payload);
          expect(reply.ok).toBe(false);
          expect(['VALIDATION_FAILED', 'FORBIDDEN']).toContain(
            refusal(reply).code,
          );
          expect(JSON.stringify(reply)).not.toMatch(/at .*\.(js|ts):\d+/);
        }
      },
    );

    it('answers an event sent without a callback with an error event', async () => {
      const socket = await connect(server.url);
      const error = nextEvent(socket, WidgetServerEvent.Error);
      socket.emit(WidgetEvent.UserMessage, { content: 'no session' });
      expect(await error).toMatchObject({
        event: WidgetEvent.UserMessage,
        code: 'VALIDATION_FAILED',
      });
    });

    it('answers an event sent with only a callback', async () => {
      const socket = await connect(server.url);
      const reply = await ack(socket, WidgetEvent.UserMessage);
      expect(reply).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
    });

    it('answers an admin event on / with FORBIDDEN and does nothing', async () => {
      const { socket, sessionId } = await newWidget();
      const reply = await ack(socket, 'toggle-ai-mode', {
        sessionId,
        enabled: true,
      });
      expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const send = await ack(socket, 'admin_message', {
        sessionId,
        content: 'posing as an agent',
      });
      expect(send).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const history = await ackOk(socket, WidgetEvent.Sync, { sessionId });
      expect(history.messages).toEqual([]);
    });

    it('answers an unknown event with VALIDATION_FAILED', async () => {
      const socket = await connect(server.url);
      const reply = await rawAck(socket, 'no_such_event', {});
      expect(reply).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
    });

    it('still serves after all of that', async () => {
      const { socket, sessionId } = await newWidget();
      const reply = await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'still here',
      });
      expect(reply.ok).toBe(true);
    });
  });
});
