import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { AdminAccountsService } from '../src/auth/admin-accounts.service';
import { AdminEvent, AdminServerEvent } from '../src/realtime/admin.events';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';
import {
  ADMIN_EMAIL,
  adminEnv,
  connectAdmin,
  disableAccount,
  login,
} from './utils/admin';
import {
  ack,
  ackOk,
  closeAll,
  connect,
  nextEvent,
  record,
  sleep,
} from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

describe('Admin side', () => {
  let db: TestDatabase;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp({
      ...db.env,
      ...adminEnv,
      LOGIN_MAX_ATTEMPTS: '3',
      // A token back every second: three failed logins always fit in that, even on a busy machine.
      LOGIN_WINDOW_MS: '3000',
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
    return { socket, sessionId: init.sessionId };
  }

  describe('login', () => {
    it('returns a token, its lifetime and the admin', async () => {
      const result = await login(server);
      expect(result).toMatchObject({
        expiresIn: 12 * 3600,
        admin: { email: ADMIN_EMAIL, role: 'admin', name: 'Admin' },
      });
      const me = await request(server.url)
        .get('/api/auth/me')
        .set('Authorization', `Bearer ${result.accessToken}`)
        .expect(200);
      expect(me.body).toEqual(result.admin);
    });

    it('answers a wrong email and a wrong password with the same 401', async () => {
      const wrongEmail = await request(server.url)
        .post('/api/auth/login')
        .send({ email: 'nobody@example.com', password: 'whatever-it-is' })
        .expect(401);
      const wrongPassword = await request(server.url)
        .post('/api/auth/login')
        .send({ email: 'someone-else@example.com', password: 'also wrong' })
        .expect(401);
      expect(wrongEmail.body).toEqual(wrongPassword.body);
      expect(wrongEmail.body).toMatchObject({
        statusCode: 401,
        code: 'UNAUTHORIZED',
      });
    });

    it('rate-limits a burst of wrong passwords, and lets the right one in after the window', async () => {
      const accounts = server.app.get(AdminAccountsService);
      const { admin, password } = await accounts.create({
        email: 'target@example.com',
        name: 'Target',
        role: 'agent',
      });
      for (let i = 0; i < 3; i++) {
        await request(server.url)
          .post('/api/auth/login')
          .send({ email: admin.email, password: 'wrong password' })
          .expect(401);
      }
      const limited = await request(server.url)
        .post('/api/auth/login')
        .send({ email: admin.email, password })
        .expect(429);
      expect(limited.body).toMatchObject({
        code: 'RATE_LIMITED',
        details: { retryAfterMs: expect.any(Number) },
      });
      expect(limited.headers['retry-after']).toBeDefined();
      await sleep(limited.body.details.retryAfterMs + 50);
      await login(server, admin.email, password);
    });

    it('stops accepting a token once its account is disabled', async () => {
      const accounts = server.app.get(AdminAccountsService);
      const { admin, password } = await accounts.create({
        email: 'leaver@example.com',
        name: 'Leaver',
        role: 'agent',
      });
      const { accessToken } = await login(server, admin.email, password);
      await disableAccount(server, admin.id);
      await request(server.url)
        .get('/api/auth/me')
        .set('Authorization', `Bearer ${accessToken}`)
        .expect(401);
    });
  });

  describe('admin socket handshake', () => {
    const foreignToken = () =>
      new JwtService({ secret: 'another-secret-'.padEnd(40, 'y') }).sign({
        sub: randomUUID(),
      });

    it.each([
      ['no token', undefined, 'missing'],
      ['garbage', 'not-a-token', 'invalid'],
      ['a token signed with another secret', 'FOREIGN', 'invalid'],
      ['an expired token', 'EXPIRED', 'expired'],
    ])(
      'refuses %s with UNAUTHORIZED before sending anything, saying why in data.reason',
      async (_label, kind, reason) => {
        let token: string | undefined = kind;
        if (kind === 'FOREIGN') token = foreignToken();
        if (kind === 'EXPIRED') {
          const { admin } = await login(server);
          token = server.app
            .get(JwtService)
            .sign({ sub: admin.id }, { expiresIn: -10 });
        }
        const refusal = connect(server.url, {
          namespace: '/admin',
          auth: token ? { token } : {},
        });
        await expect(refusal).rejects.toThrow('UNAUTHORIZED');
        await expect(refusal).rejects.toMatchObject({ data: { reason } });
      },
    );

    it('sends sessions-list on connect with the live sessions', async () => {
      const { sessionId } = await newWidget();
      const token = (await login(server)).accessToken;
      const { io } = await import('socket.io-client');
      const socket = io(`${server.url}/admin`, {
        transports: ['websocket'],
        auth: { token },
        forceNew: true,
      });
      try {
        const list = await new Promise<
          { sessionId: string; isActive: boolean }[]
        >((resolve) => socket.once(AdminServerEvent.SessionsList, resolve));
        expect(list.find((s) => s.sessionId === sessionId)).toMatchObject({
          isActive: true,
        });
      } finally {
        socket.disconnect();
      }
    });
  });

  describe('live conversations', () => {
    it('shows a new session and a new message to two admins', async () => {
      const first = await connectAdmin(server);
      const second = await connectAdmin(server);
      const updates = [first, second].map((admin) =>
        nextEvent(admin, AdminServerEvent.SessionUpdated),
      );
      const { socket, sessionId } = await newWidget();
      for (const update of await Promise.all(updates)) {
        expect(update.session).toMatchObject({
          sessionId,
          user: `User-${sessionId.slice(0, 8)}`,
          isActive: true,
          status: 'open',
          unreadCount: 0,
          lastMessage: '',
        });
      }
      const newMessages = [first, second].map((admin) =>
        nextEvent(
          admin,
          AdminServerEvent.NewMessage,
          (e) => e.sessionId === sessionId,
        ),
      );
      const sent = await ackOk(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'Hello?',
      });
      for (const event of await Promise.all(newMessages)) {
        expect(event).toEqual({ sessionId, message: sent.message });
      }
    });

    it("delivers an agent's reply to the widget and the other admin, and records who wrote it", async () => {
      const { socket, sessionId } = await newWidget();
      const agent = await connectAdmin(server);
      const colleague = await connectAdmin(server);
      expect(
        await ack(colleague, AdminEvent.JoinSession, { sessionId }),
      ).toEqual({ ok: true });
      const atWidget = nextEvent(socket, WidgetServerEvent.Message);
      const atColleague = nextEvent(colleague, AdminServerEvent.Message);
      const agentSeen = record(agent, AdminServerEvent.Message);
      const reply = await ackOk(agent, AdminEvent.AdminMessage, {
        sessionId,
        content: ' How can I help? ',
        clientMessageId: 'a1',
      });
      const { admin } = await login(server);
      expect(reply.message).toMatchObject({
        sender: 'admin',
        content: 'How can I help?',
        adminId: admin.id,
      });
      expect(await atWidget).toEqual(reply.message);
      expect(await atColleague).toEqual(reply.message);
      const retry = await ackOk(agent, AdminEvent.AdminMessage, {
        sessionId,
        content: 'How can I help?',
        clientMessageId: 'a1',
      });
      expect(retry.message).toEqual(reply.message);
      await sleep(100);
      expect(agentSeen).toEqual([]);
    });

    it('answers an admin message to an unknown session with NOT_FOUND', async () => {
      const agent = await connectAdmin(server);
      const reply = await ack(agent, AdminEvent.AdminMessage, {
        sessionId: randomUUID(),
        content: 'hi',
      });
      expect(reply).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    });

    it('relays typing both ways and read receipts', async () => {
      const { socket, sessionId } = await newWidget();
      const agent = await connectAdmin(server);
      await ack(agent, AdminEvent.JoinSession, { sessionId });
      const userTyping = nextEvent(agent, AdminServerEvent.UserTyping);
      expect(
        await ack(socket, WidgetEvent.Typing, { sessionId, isTyping: true }),
      ).toEqual({ ok: true });
      expect(await userTyping).toEqual({ sessionId, isTyping: true });
      const adminTyping = nextEvent(socket, WidgetServerEvent.AdminTyping);
      expect(
        await ack(agent, AdminEvent.Typing, { sessionId, isTyping: true }),
      ).toEqual({ ok: true });
      expect(await adminTyping).toEqual({ sessionId, isTyping: true });
      const sent = await ackOk(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'read this',
      });
      const readByUser = nextEvent(agent, AdminServerEvent.MessagesRead);
      await ack(socket, WidgetEvent.MarkRead, {
        sessionId,
        upTo: sent.message.id,
      });
      expect(await readByUser).toEqual({
        sessionId,
        by: 'user',
        upTo: sent.message.id,
      });
    });

    it('counts unread user messages and resets them on mark-read', async () => {
      const { socket, sessionId } = await newWidget();
      const agent = await connectAdmin(server);
      let last;
      for (const content of ['one', 'two', 'three']) {
        const update = nextEvent(
          agent,
          AdminServerEvent.SessionUpdated,
          (e) => e.session.sessionId === sessionId,
        );
        last = await ackOk(socket, WidgetEvent.UserMessage, {
          sessionId,
          content,
        });
        expect((await update).session).toMatchObject({ lastMessage: content });
      }
      const page = await ackOk(agent, AdminEvent.GetAllSessions, {
        limit: 200,
      });
      expect(
        page.sessions.find(
          (s: { sessionId: string }) => s.sessionId === sessionId,
        )?.unreadCount,
      ).toBe(3);
      const read = nextEvent(socket, WidgetServerEvent.MessagesRead);
      const reset = nextEvent(
        agent,
        AdminServerEvent.SessionUpdated,
        (e) => e.session.sessionId === sessionId,
      );
      expect(await ack(agent, AdminEvent.MarkRead, { sessionId })).toEqual({
        ok: true,
      });
      expect(await read).toEqual({
        sessionId,
        by: 'admin',
        upTo: last?.message.id,
      });
      expect((await reset).session.unreadCount).toBe(0);
    });

    it('resolves and reopens, telling the widget; a user message reopens', async () => {
      const { socket, sessionId } = await newWidget();
      const agent = await connectAdmin(server);
      const resolved = nextEvent(socket, WidgetServerEvent.SessionStatus);
      expect(
        await ack(agent, AdminEvent.ResolveSession, { sessionId }),
      ).toEqual({ ok: true });
      expect(await resolved).toEqual({ sessionId, status: 'resolved' });
      const reopened = nextEvent(socket, WidgetServerEvent.SessionStatus);
      const update = nextEvent(
        agent,
        AdminServerEvent.SessionUpdated,
        (e) => e.session.status === 'open',
      );
      await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'one more thing',
      });
      expect(await reopened).toEqual({ sessionId, status: 'open' });
      expect((await update).session.sessionId).toBe(sessionId);
    });

    it('assigns a session to an agent and back to nobody', async () => {
      const { sessionId } = await newWidget();
      const agent = await connectAdmin(server);
      const { admin } = await login(server);
      const update = nextEvent(
        agent,
        AdminServerEvent.SessionUpdated,
        (e) => e.session.assignedAdminId === admin.id,
      );
      expect(
        await ack(agent, AdminEvent.AssignSession, {
          sessionId,
          adminId: admin.id,
        }),
      ).toEqual({ ok: true });
      await update;
      expect(
        await ack(agent, AdminEvent.AssignSession, {
          sessionId,
          adminId: null,
        }),
      ).toEqual({ ok: true });
      const unknown = await ack(agent, AdminEvent.AssignSession, {
        sessionId,
        adminId: randomUUID(),
      });
      expect(unknown).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
    });

    it('hands the session to a person on request_human, telling both sides', async () => {
      const { socket, sessionId } = await newWidget();
      const agent = await connectAdmin(server);
      const handoff = nextEvent(agent, AdminServerEvent.HandoffRequested);
      const adminMode = nextEvent(agent, AdminServerEvent.AiModeChanged);
      const widgetMode = nextEvent(socket, WidgetServerEvent.AiModeChanged);
      expect(
        await ack(socket, WidgetEvent.RequestHuman, { sessionId }),
      ).toEqual({ ok: true });
      expect(await handoff).toEqual({ sessionId });
      expect(await adminMode).toEqual({ sessionId, enabled: false });
      expect(await widgetMode).toEqual({ sessionId, enabled: false });
    });

    it('refuses to turn the AI on without a key, and changes nothing', async () => {
      const { sessionId } = await newWidget();
      const agent = await connectAdmin(server);
      const reply = await ack(agent, AdminEvent.ToggleAiMode, {
        sessionId,
        enabled: true,
      });
      expect(reply).toMatchObject({
        ok: false,
        error: { code: 'UNAVAILABLE' },
      });
      const detail = await request(server.url)
        .get(`/api/admin/sessions/${sessionId}`)
        .set('Authorization', `Bearer ${(await login(server)).accessToken}`)
        .expect(200);
      expect(detail.body.aiEnabled).toBe(false);
    });
  });

  describe('lists', () => {
    it('pages through every session exactly once, newest activity first, with search and status filters', async () => {
      const agent = await connectAdmin(server);
      const marker = `needle-${randomUUID().slice(0, 6)}`;
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const { socket, sessionId } = await newWidget();
        await ack(socket, WidgetEvent.UserMessage, {
          sessionId,
          content: `${marker} number ${i}`,
        });
        ids.push(sessionId);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: {
          sessions: { sessionId: string }[];
          nextCursor: string | null;
        } = await ackOk(agent, AdminEvent.GetAllSessions, {
          q: marker.toUpperCase(),
          limit: 3,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.sessions.map((s) => s.sessionId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      await ack(agent, AdminEvent.ResolveSession, { sessionId: ids[0] });
      const resolved = await ackOk(agent, AdminEvent.GetAllSessions, {
        q: marker,
        status: 'resolved',
      });
      expect(
        resolved.sessions.map((s: { sessionId: string }) => s.sessionId),
      ).toEqual([ids[0]]);
      const rest = await request(server.url)
        .get('/api/admin/sessions')
        .query({ q: marker, status: 'open', limit: 10 })
        .set('Authorization', `Bearer ${(await login(server)).accessToken}`)
        .expect(200);
      expect(rest.body.sessions).toHaveLength(6);
      expect(rest.body.nextCursor).toBeNull();
    });

    it('answers get-messages with cursors and messages-history', async () => {
      const { socket, sessionId } = await newWidget();
      for (let i = 0; i < 5; i++)
        await ack(socket, WidgetEvent.UserMessage, {
          sessionId,
          content: `h${i}`,
        });
      const agent = await connectAdmin(server);
      const history = nextEvent(agent, AdminServerEvent.MessagesHistory);
      const latest = await ackOk(agent, AdminEvent.GetMessages, {
        sessionId,
        limit: 2,
      });
      expect(latest).toMatchObject({ ok: true, sessionId, hasMore: true });
      expect(
        latest.messages.map((m: { content: string }) => m.content),
      ).toEqual(['h3', 'h4']);
      expect(await history).toEqual(latest.messages);
      const before = await ackOk(agent, AdminEvent.GetMessages, {
        sessionId,
        before: latest.messages[0].id,
      });
      expect(
        before.messages.map((m: { content: string }) => m.content),
      ).toEqual(['h0', 'h1', 'h2']);
      expect(before.hasMore).toBe(false);
    });
  });

  describe('admin REST', () => {
    it('sends an admin message over REST with a bearer token, and refuses it without one', async () => {
      const { socket, sessionId } = await newWidget();
      await request(server.url)
        .post('/api/chat/message')
        .send({ sessionId, content: 'hi', sender: 'admin' })
        .expect(401);
      const { accessToken, admin } = await login(server);
      const arrived = nextEvent(socket, WidgetServerEvent.Message);
      const response = await request(server.url)
        .post('/api/chat/message')
        .set('Authorization', `Bearer ${accessToken}`)
        .send({ sessionId, content: 'from the panel', sender: 'admin' })
        .expect(201);
      expect(response.body).toMatchObject({
        sender: 'admin',
        adminId: admin.id,
      });
      expect(await arrived).toEqual(response.body);
    });

    it('patches, exports and erases a session', async () => {
      const { socket, sessionId } = await newWidget();
      await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'private data',
      });
      await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'more private data',
      });
      const auth = `Bearer ${(await login(server)).accessToken}`;
      const patched = await request(server.url)
        .patch(`/api/admin/sessions/${sessionId}`)
        .set('Authorization', auth)
        .send({ status: 'resolved' })
        .expect(200);
      expect(patched.body).toMatchObject({
        id: sessionId,
        status: 'resolved',
        unreadCount: 2,
      });
      const exported = await request(server.url)
        .get(`/api/admin/sessions/${sessionId}/export`)
        .set('Authorization', auth)
        .expect(200);
      expect(exported.body.session.id).toBe(sessionId);
      expect(
        exported.body.messages.map((m: { content: string }) => m.content),
      ).toEqual(['private data', 'more private data']);
      await request(server.url)
        .delete(`/api/admin/sessions/${sessionId}`)
        .set('Authorization', auth)
        .expect(204);
      await request(server.url)
        .get(`/api/admin/sessions/${sessionId}`)
        .set('Authorization', auth)
        .expect(404);
      await request(server.url)
        .get(`/api/chat/messages/${sessionId}`)
        .expect(404);
    });

    it('keeps erase and export to the admin role', async () => {
      const { sessionId } = await newWidget();
      const accounts = server.app.get(AdminAccountsService);
      const { admin, password } = await accounts.create({
        email: 'agent@example.com',
        name: 'Agent',
        role: 'agent',
      });
      const auth = `Bearer ${(await login(server, admin.email, password)).accessToken}`;
      await request(server.url)
        .get(`/api/admin/sessions/${sessionId}`)
        .set('Authorization', auth)
        .expect(200);
      const forbidden = await request(server.url)
        .delete(`/api/admin/sessions/${sessionId}`)
        .set('Authorization', auth)
        .expect(403);
      expect(forbidden.body.code).toBe('FORBIDDEN');
      await request(server.url)
        .get(`/api/admin/sessions/${sessionId}/export`)
        .set('Authorization', auth)
        .expect(403);
    });

    it('answers every admin route without a token with 401', async () => {
      const id = randomUUID();
      for (const [method, path] of [
        ['get', '/api/admin/sessions'],
        ['get', `/api/admin/sessions/${id}`],
        ['patch', `/api/admin/sessions/${id}`],
        ['delete', `/api/admin/sessions/${id}`],
        ['get', `/api/admin/sessions/${id}/export`],
        ['get', '/api/auth/me'],
      ] as const) {
        const response = await request(server.url)[method](path).expect(401);
        expect(response.body.code).toBe('UNAUTHORIZED');
      }
    });
  });
});
