import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { AdminAccountsService } from '../src/auth/admin-accounts.service';
import { AdminEvent, AdminServerEvent } from '../src/realtime/admin.events';
import {
  WidgetEvent,
  WidgetServerEvent,
  type WidgetEventName,
} from '../src/realtime/widget.events';
import { adminEnv, connectAdmin, login } from './utils/admin';
import {
  ack,
  ackOk,
  closeAll,
  connect,
  nextEvent,
  rawAck,
  sleep,
  type TestSocket,
} from './utils/sockets';
import { raisedLimits } from './utils/limits';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

/** Long enough for a fan-out that should not happen to have arrived. */
const QUIET_MS = 150;

interface Received {
  event: string;
  args: unknown[];
}

/** Every event a socket receives from now on. */
function recordAll(socket: TestSocket): Received[] {
  const received: Received[] = [];
  socket.onAny((event: string, ...args: unknown[]) =>
    received.push({ event, args }),
  );
  return received;
}

/**
 * The events that concern one session (by `sessionId`, or a summary's `session.sessionId`), except the
 * `sessions-list` every admin socket gets on connecting: it may land late, and nobody's action caused it.
 */
function about(sessionId: string, received: Received[]): Received[] {
  return received.filter(
    ({ event, args }) =>
      event !== AdminServerEvent.SessionsList &&
      JSON.stringify(args).includes(sessionId),
  );
}

const base64url = (value: object) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT with `alg: none` and no signature, the classic forgery. */
function unsignedToken(claims: object): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
}

const SQL_LOOKALIKES = [
  "'; DROP TABLE messages; --",
  "Robert'); DROP TABLE chat_sessions;--",
  '" OR 1=1 --',
  "%' OR '1'='1",
  "1'; SELECT pg_sleep(5); --",
  '$1 $2 ::uuid',
  '\\x27 \\\\ \\n',
  '${sessionId} {{content}} <script>alert(1)</script>',
];

describe('Isolation: what an attacker of the widget namespace and the REST API cannot do', () => {
  let db: TestDatabase;
  let server: TestApp;
  let adminAuth: string;
  let adminId: string;
  /** A session as the lead admin sees it, to check what changed. */
  let detail: (sessionId: string) => Promise<Record<string, unknown>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    // A key is configured so that the AI mode can be switched on (and a wrongful switch seen);
    // AI_DEFAULT_ENABLED=false and no user message in an AI session means no reply is ever requested.
    server = await startApp({
      ...db.env,
      ...adminEnv,
      AI_API_KEYS: 'sk-test-isolation',
      AI_BASE_URL: 'http://127.0.0.1:9',
      AI_DEFAULT_ENABLED: 'false',
      // Dozens of sessions and bursts of events from one address: the limits are not the subject here.
      ...raisedLimits,
    });
    const signedIn = await login(server);
    adminAuth = `Bearer ${signedIn.accessToken}`;
    adminId = signedIn.admin.id;
    detail = async (sessionId) =>
      (
        await api()
          .get(`/api/admin/sessions/${sessionId}`)
          .set('Authorization', adminAuth)
          .expect(200)
      ).body as Record<string, unknown>;
  });

  afterEach(() => closeAll());

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const api = () => request(server.url);

  async function newWidget() {
    const socket = await connect(server.url);
    const init = await ackOk(socket, WidgetEvent.InitSession, {});
    return { socket, sessionId: init.sessionId };
  }

  async function storedContents(sessionId: string): Promise<string[]> {
    const exported = await api()
      .get(`/api/admin/sessions/${sessionId}/export`)
      .set('Authorization', adminAuth)
      .expect(200);
    return (exported.body.messages as { content: string }[]).map(
      (m) => m.content,
    );
  }

  async function newAgent() {
    const { admin, password } = await server.app
      .get(AdminAccountsService)
      .create({
        email: `agent-${randomUUID().slice(0, 8)}@example.com`,
        name: 'Agent',
        role: 'agent',
      });
    const { accessToken } = await login(server, admin.email, password);
    return { id: admin.id, token: accessToken, auth: `Bearer ${accessToken}` };
  }

  describe("another visitor's session", () => {
    it('refuses every widget event for a session the socket did not initialise, stores nothing and tells A nothing', async () => {
      const a = await newWidget();
      const b = await newWidget();
      const mine = await ackOk(a.socket, WidgetEvent.UserMessage, {
        sessionId: a.sessionId,
        content: 'my private question',
      });
      const agent = await connectAdmin(server);
      await ack(agent, AdminEvent.JoinSession, { sessionId: a.sessionId });
      await ack(agent, AdminEvent.ToggleAiMode, {
        sessionId: a.sessionId,
        enabled: true,
      });
      await sleep(QUIET_MS);
      const atA = recordAll(a.socket);
      const atAgent = recordAll(agent);
      const before = await detail(a.sessionId);

      const attempts: [WidgetEventName, object][] = [
        [
          WidgetEvent.UserMessage,
          { sessionId: a.sessionId, content: 'injected', clientMessageId: 'k' },
        ],
        [WidgetEvent.Sync, { sessionId: a.sessionId }],
        [WidgetEvent.Sync, { sessionId: a.sessionId, after: '1', limit: 200 }],
        [WidgetEvent.Typing, { sessionId: a.sessionId, isTyping: true }],
        [
          WidgetEvent.MarkRead,
          { sessionId: a.sessionId, upTo: mine.message.id },
        ],
        [WidgetEvent.RequestHuman, { sessionId: a.sessionId }],
      ];
      for (const [event, payload] of attempts) {
        for (const sessionId of [a.sessionId, a.sessionId.toUpperCase()]) {
          const reply = await ack(b.socket, event, { ...payload, sessionId });
          expect({ event, reply }).toEqual({
            event,
            reply: {
              ok: false,
              error: { code: 'FORBIDDEN', message: expect.any(String) },
            },
          });
        }
        // Without a callback the refusal comes as an `error` event, and nothing happens either.
        const error = nextEvent(b.socket, WidgetServerEvent.Error);
        b.socket.emit(event, payload);
        expect(await error).toMatchObject({ event, code: 'FORBIDDEN' });
      }
      await sleep(QUIET_MS);

      expect(atA).toEqual([]);
      expect(about(a.sessionId, atAgent)).toEqual([]);
      expect(await storedContents(a.sessionId)).toEqual([
        'my private question',
      ]);
      expect(await detail(a.sessionId)).toEqual(before);
      expect(before).toMatchObject({ aiEnabled: true, unreadCount: 1 });
      await ack(agent, AdminEvent.ToggleAiMode, {
        sessionId: a.sessionId,
        enabled: false,
      });
    });

    it("resumes another visitor's session only with its id, which is the credential, and lists nothing else", async () => {
      const a = await newWidget();
      const other = await newWidget();
      await ack(a.socket, WidgetEvent.UserMessage, {
        sessionId: a.sessionId,
        content: 'for A only',
      });
      await ack(other.socket, WidgetEvent.UserMessage, {
        sessionId: other.sessionId,
        content: 'for the other only',
      });
      const b = await connect(server.url);
      const seen = recordAll(b);
      const fresh = await ackOk(b, WidgetEvent.InitSession, {});
      const resumed = await ackOk(b, WidgetEvent.InitSession, {
        sessionId: a.sessionId,
      });
      await sleep(QUIET_MS);
      for (const reply of [fresh, resumed]) {
        expect(Object.keys(reply).sort()).toEqual([
          'messages',
          'ok',
          'session',
          'sessionId',
        ]);
        expect(reply.session.id).toBe(reply.sessionId);
        expect(JSON.stringify(reply)).not.toContain(other.sessionId);
        expect(JSON.stringify(reply)).not.toContain('for the other only');
      }
      expect(fresh.messages).toEqual([]);
      expect(
        resumed.messages.map((m: { content: string }) => m.content),
      ).toEqual(['for A only']);
      expect(seen.map((r) => r.event)).toEqual([
        WidgetServerEvent.SessionInit,
        WidgetServerEvent.SessionInit,
      ]);
      expect(JSON.stringify(seen)).not.toContain(other.sessionId);
    });

    it.each<[string, unknown]>([
      [
        'the nil UUID in upper case',
        '00000000-0000-0000-0000-000000000000'.toUpperCase(),
      ],
      ['a UUID in braces', `{${randomUUID()}}`],
      ['a UUID with a trailing newline', `${randomUUID()}\n`],
      ['a UUID followed by SQL', `${randomUUID()}' OR '1'='1`],
      ['a room name', 'admins'],
      ['an operator object', { $ne: null }],
      ['a list of ids', [randomUUID()]],
      [
        'a 36-character non-UUID',
        'g'.repeat(8) + '-aaaa-bbbb-cccc-' + 'd'.repeat(12),
      ],
    ])(
      'refuses init_session with %s (VALIDATION_FAILED) and binds nothing',
      async (_, sessionId) => {
        const socket = await connect(server.url);
        const seen = recordAll(socket);
        const reply = await ack(socket, WidgetEvent.InitSession, { sessionId });
        expect(reply).toMatchObject({
          ok: false,
          error: { code: 'VALIDATION_FAILED' },
        });
        await sleep(QUIET_MS);
        expect(seen).toEqual([]);
      },
    );
  });

  describe('sessions are separate rooms', () => {
    it("never delivers another session's messages, typing, reads, status or AI events to a widget", async () => {
      const a = await newWidget();
      const b = await newWidget();
      const bTab = await connect(server.url);
      await ack(bTab, WidgetEvent.InitSession, { sessionId: b.sessionId });
      const atA = recordAll(a.socket);
      const atBTab = recordAll(bTab);

      // B tries to get into other rooms by name.
      for (const [event, payload] of [
        ['join', { room: `session:${a.sessionId}` }],
        ['subscribe', `session:${a.sessionId}`],
        [`session:${a.sessionId}`, {}],
        ['admins', {}],
        [WidgetEvent.InitSession, { sessionId: `session:${a.sessionId}` }],
      ] as const) {
        const reply = await rawAck(b.socket, event, payload);
        expect(reply).toMatchObject({
          ok: false,
          error: { code: 'VALIDATION_FAILED' },
        });
      }

      const agent = await connectAdmin(server);
      await ack(agent, AdminEvent.JoinSession, { sessionId: b.sessionId });
      const sent = await ackOk(b.socket, WidgetEvent.UserMessage, {
        sessionId: b.sessionId,
        content: 'secret of B',
      });
      await ack(b.socket, WidgetEvent.Typing, {
        sessionId: b.sessionId,
        isTyping: true,
      });
      await ack(b.socket, WidgetEvent.MarkRead, {
        sessionId: b.sessionId,
        upTo: sent.message.id,
      });
      await ack(agent, AdminEvent.AdminMessage, {
        sessionId: b.sessionId,
        content: 'reply to B',
      });
      await ack(agent, AdminEvent.Typing, {
        sessionId: b.sessionId,
        isTyping: true,
      });
      await ack(agent, AdminEvent.MarkRead, { sessionId: b.sessionId });
      await ack(agent, AdminEvent.ResolveSession, { sessionId: b.sessionId });
      await ack(agent, AdminEvent.ReopenSession, { sessionId: b.sessionId });
      await ack(agent, AdminEvent.ToggleAiMode, {
        sessionId: b.sessionId,
        enabled: true,
      });
      await ack(b.socket, WidgetEvent.RequestHuman, { sessionId: b.sessionId });
      await api()
        .post('/api/chat/message')
        .send({ sessionId: b.sessionId, content: 'REST for B', sender: 'user' })
        .expect(201);
      // Events reach a socket in order: once the last one arrived at B's tab, all of them have.
      const lastAtBTab = nextEvent(
        bTab,
        WidgetServerEvent.Message,
        (m: { content: string }) => m.content === 'REST reply',
      );
      await api()
        .post('/api/chat/message')
        .set('Authorization', adminAuth)
        .send({
          sessionId: b.sessionId,
          content: 'REST reply',
          sender: 'admin',
        })
        .expect(201);
      await lastAtBTab;
      await sleep(QUIET_MS);

      // The other tab of B heard it all: the fan-out works, it just never crosses sessions.
      expect(new Set(atBTab.map((r) => r.event))).toEqual(
        new Set([
          WidgetServerEvent.Message,
          WidgetServerEvent.AdminTyping,
          WidgetServerEvent.MessagesRead,
          WidgetServerEvent.SessionStatus,
          WidgetServerEvent.AiModeChanged,
        ]),
      );
      expect(atA).toEqual([]);

      // And the other way round: A's own traffic reaches neither B's sockets nor their listeners.
      const atB = recordAll(b.socket);
      atBTab.length = 0;
      await ack(a.socket, WidgetEvent.UserMessage, {
        sessionId: a.sessionId,
        content: 'secret of A',
      });
      const replyAtA = nextEvent(a.socket, WidgetServerEvent.Message);
      await ack(agent, AdminEvent.AdminMessage, {
        sessionId: a.sessionId,
        content: 'reply to A',
      });
      await replyAtA;
      await sleep(QUIET_MS);
      expect(atA.map((r) => r.event)).toEqual([WidgetServerEvent.Message]);
      expect(atB).toEqual([]);
      expect(atBTab).toEqual([]);
    });

    it('never sends a widget the events meant for agents (lists, new-message, session-updated, handoffs)', async () => {
      const a = await newWidget();
      const atA = recordAll(a.socket);
      const agent = await connectAdmin(server);
      await ack(agent, AdminEvent.GetSessions);
      await ack(agent, AdminEvent.GetAllSessions, {});
      await ack(agent, AdminEvent.GetMessages, { sessionId: a.sessionId });
      const b = await newWidget();
      await ack(b.socket, WidgetEvent.UserMessage, {
        sessionId: b.sessionId,
        content: 'hello',
      });
      await ack(b.socket, WidgetEvent.RequestHuman, { sessionId: b.sessionId });
      await sleep(QUIET_MS);
      const adminOnly = new Set<string>(
        Object.values(AdminServerEvent).filter(
          (name) => !Object.values<string>(WidgetServerEvent).includes(name),
        ),
      );
      expect(atA.filter((r) => adminOnly.has(r.event))).toEqual([]);
      expect(atA).toEqual([]);
    });
  });

  describe('admin events on the widget namespace', () => {
    const sharedNames = new Set<string>(Object.values(WidgetEvent));
    const adminOnlyEvents = Object.values(AdminEvent).filter(
      (name) => !sharedNames.has(name),
    );

    it('are all FORBIDDEN, and change, send or list nothing', async () => {
      const a = await newWidget();
      await ack(a.socket, WidgetEvent.UserMessage, {
        sessionId: a.sessionId,
        content: 'unread one',
      });
      const watcher = await connectAdmin(server);
      const atWatcher = recordAll(watcher);
      const atA = recordAll(a.socket);
      const before = await detail(a.sessionId);
      const payloads: Record<string, object> = {
        [AdminEvent.GetAllSessions]: { limit: 200 },
        [AdminEvent.GetMessages]: { sessionId: a.sessionId },
        [AdminEvent.JoinSession]: { sessionId: a.sessionId },
        [AdminEvent.LeaveSession]: { sessionId: a.sessionId },
        [AdminEvent.AdminMessage]: {
          sessionId: a.sessionId,
          content: 'posing as staff',
        },
        [AdminEvent.ToggleAiMode]: { sessionId: a.sessionId, enabled: true },
        [AdminEvent.MarkRead]: { sessionId: a.sessionId },
        [AdminEvent.ResolveSession]: { sessionId: a.sessionId },
        [AdminEvent.ReopenSession]: { sessionId: a.sessionId },
        [AdminEvent.AssignSession]: {
          sessionId: a.sessionId,
          adminId,
        },
      };
      expect(adminOnlyEvents).toEqual(
        expect.arrayContaining(Object.keys(payloads)),
      );
      for (const event of adminOnlyEvents) {
        const reply = await ack(a.socket, event, payloads[event] ?? {});
        expect({ event, reply }).toEqual({
          event,
          reply: {
            ok: false,
            error: { code: 'FORBIDDEN', message: expect.any(String) },
          },
        });
      }
      // `typing` is a widget event too: on `/` it is the visitor's, never the agent's indicator.
      expect(
        await ack(a.socket, AdminEvent.Typing, {
          sessionId: a.sessionId,
          isTyping: true,
        }),
      ).toEqual({ ok: true });
      await sleep(QUIET_MS);

      expect(atA.map((r) => r.event)).toEqual([]);
      expect(about(a.sessionId, atWatcher).map((r) => r.event)).toEqual([]);
      expect(await detail(a.sessionId)).toEqual(before);
      expect(before).toMatchObject({
        status: 'open',
        aiEnabled: false,
        assignedAdminId: null,
        unreadCount: 1,
      });
      expect(await storedContents(a.sessionId)).toEqual(['unread one']);
      // Not joined either: an agent's message to the session reaches A, and nothing of other sessions does.
      const b = await newWidget();
      await ack(b.socket, WidgetEvent.UserMessage, {
        sessionId: b.sessionId,
        content: 'not for A',
      });
      await sleep(QUIET_MS);
      expect(atA).toEqual([]);
    });

    it('stay FORBIDDEN for a widget socket that carries a valid admin token in its handshake', async () => {
      const socket = await connect(server.url, {
        auth: { token: adminAuth.slice('Bearer '.length) },
        extraHeaders: { Authorization: adminAuth },
      });
      const { sessionId } = await ackOk(socket, WidgetEvent.InitSession, {});
      for (const event of adminOnlyEvents) {
        const reply = await ack(socket, event, { sessionId });
        expect(reply).toMatchObject({
          ok: false,
          error: { code: 'FORBIDDEN' },
        });
      }
      const sent = await ackOk(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'still a visitor',
      });
      expect(sent.message).toMatchObject({ sender: 'user', adminId: null });
    });
  });

  describe('the /admin handshake', () => {
    const foreignSecret = 'another-secret-'.padEnd(40, 'y');

    function tokens(): [string, () => Promise<string> | string][] {
      const now = Math.floor(Date.now() / 1000);
      return [
        ['an alg:none token', () => unsignedToken({ sub: adminId, iat: now })],
        [
          'an alg:none token with exp',
          () => unsignedToken({ sub: adminId, iat: now, exp: now + 3600 }),
        ],
        [
          'an alg:none token re-using a real header',
          async () => {
            const [, payload] = (await login(server)).accessToken.split('.');
            return `${base64url({ alg: 'none' })}.${payload}.`;
          },
        ],
        [
          "a real token's claims with the signature stripped",
          async () => {
            const [header, payload] = (await login(server)).accessToken.split(
              '.',
            );
            return `${header}.${payload}.`;
          },
        ],
        [
          'a real token with a changed subject',
          async () => {
            const agent = await newAgent();
            const [header, , signature] = agent.token.split('.');
            return `${header}.${base64url({ sub: adminId, iat: now, exp: now + 3600 })}.${signature}`;
          },
        ],
        [
          'a token signed with another secret',
          () =>
            new JwtService({ secret: foreignSecret }).sign({ sub: adminId }),
        ],
        [
          'a token signed with the right secret but HS512',
          () =>
            new JwtService({ secret: adminEnv.JWT_SECRET }).sign(
              { sub: adminId },
              { algorithm: 'HS512' },
            ),
        ],
        [
          'an expired token',
          () =>
            server.app
              .get(JwtService)
              .sign({ sub: adminId }, { expiresIn: -10 }),
        ],
        [
          'a token not valid yet',
          () =>
            server.app
              .get(JwtService)
              .sign({ sub: adminId }, { notBefore: 3600 }),
        ],
        [
          'a valid token of an account that does not exist',
          () => server.app.get(JwtService).sign({ sub: randomUUID() }),
        ],
        [
          'a valid token whose subject is not an id',
          () => server.app.get(JwtService).sign({ sub: "' OR '1'='1" }),
        ],
        [
          'a valid token whose subject is an object',
          () =>
            server.app
              .get(JwtService)
              .sign({ sub: { $ne: null } } as unknown as object),
        ],
        [
          'a valid token without a subject',
          () => server.app.get(JwtService).sign({ role: 'admin' }),
        ],
      ];
    }

    it.each(tokens())('refuses %s', async (_, make) => {
      const token = await make();
      await expect(
        connect(server.url, { namespace: '/admin', auth: { token } }),
      ).rejects.toThrow('UNAUTHORIZED');
    });

    it.each(tokens())('answers %s over REST with 401', async (_, make) => {
      const token = await make();
      const response = await api()
        .get('/api/admin/sessions')
        .set('Authorization', `Bearer ${token}`)
        .expect(401);
      expect(response.body).toMatchObject({
        statusCode: 401,
        code: 'UNAUTHORIZED',
      });
    });

    /** Connects with raw client options (a query string, headers), outside the shared helper. */
    function rawConnect(options: Parameters<typeof io>[1]): Promise<Socket> {
      const socket = io(`${server.url}/admin`, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        ...options,
      });
      return new Promise<Socket>((resolve, reject) => {
        const timer = setTimeout(() => {
          socket.disconnect();
          reject(new Error('connect timed out'));
        }, 5000);
        socket.once('connect', () => {
          clearTimeout(timer);
          socket.disconnect();
          resolve(socket);
        });
        socket.once('connect_error', (error) => {
          clearTimeout(timer);
          socket.disconnect();
          reject(error);
        });
      });
    }

    it('refuses a valid token in the wrong place', async () => {
      const token = (await login(server)).accessToken;
      const wrongPlaces: [string, Parameters<typeof io>[1]][] = [
        ['the query string', { query: { token } }],
        ['the access_token query', { query: { access_token: token } }],
        [
          'an Authorization header',
          { extraHeaders: { Authorization: `Bearer ${token}` } },
        ],
        ['auth.accessToken', { auth: { accessToken: token } }],
        ['auth.Authorization', { auth: { Authorization: `Bearer ${token}` } }],
        [
          'auth.token with a Bearer prefix',
          { auth: { token: `Bearer ${token}` } },
        ],
        ['auth.token as a list', { auth: { token: [token] } }],
        ['auth.token as an object', { auth: { token: { token } } }],
      ];
      for (const [place, options] of wrongPlaces) {
        await expect(
          rawConnect(options).then(() => `${place}: accepted`),
        ).rejects.toThrow('UNAUTHORIZED');
      }
      // The right place works, so the refusals above are about the place.
      await expect(rawConnect({ auth: { token } })).resolves.toBeDefined();
    });

    it('refuses the admin REST routes for a token passed anywhere but the Authorization header', async () => {
      const token = (await login(server)).accessToken;
      for (const send of [
        (r: request.Test) => r.query({ access_token: token }),
        (r: request.Test) => r.query({ token }),
        (r: request.Test) => r.set('Cookie', `token=${token}`),
        (r: request.Test) => r.set('Authorization', token),
        (r: request.Test) => r.set('Authorization', `Basic ${token}`),
        (r: request.Test) => r.set('Authorization', `Bearer  ${token}`),
        (r: request.Test) => r.set('X-Access-Token', token),
      ]) {
        const response = await send(api().get('/api/admin/sessions'));
        expect(response.status).toBe(401);
      }
    });
  });

  describe('REST', () => {
    it("refuses sender 'admin' with a forged, unsigned or expired token (401) and stores nothing", async () => {
      const { sessionId } = await newWidget();
      const forged = [
        new JwtService({ secret: 'forged-'.padEnd(40, 'z') }).sign({
          sub: adminId,
        }),
        unsignedToken({ sub: adminId }),
        server.app.get(JwtService).sign({ sub: adminId }, { expiresIn: -1 }),
      ];
      for (const token of forged) {
        const response = await api()
          .post('/api/chat/message')
          .set('Authorization', `Bearer ${token}`)
          .send({ sessionId, content: 'I am staff', sender: 'admin' })
          .expect(401);
        expect(response.body.code).toBe('UNAUTHORIZED');
      }
      expect(await storedContents(sessionId)).toEqual([]);
    });

    it.each(['ai', 'system', 'Admin', 'USER', 'agent', ''])(
      'refuses sender %p with 400, even with an admin token',
      async (sender) => {
        const { sessionId } = await newWidget();
        for (const auth of [undefined, adminAuth]) {
          const post = api().post('/api/chat/message');
          if (auth) void post.set('Authorization', auth);
          const response = await post
            .send({ sessionId, content: 'from the machine', sender })
            .expect(400);
          expect(response.body.code).toBe('VALIDATION_FAILED');
        }
        expect(await storedContents(sessionId)).toEqual([]);
      },
    );

    it("cannot choose the author: adminId in the body is refused, and sender 'user' with an admin token stays a visitor's message", async () => {
      const { sessionId } = await newWidget();
      await api()
        .post('/api/chat/message')
        .send({ sessionId, content: 'hi', sender: 'user', adminId })
        .expect(400);
      const asUser = await api()
        .post('/api/chat/message')
        .set('Authorization', adminAuth)
        .send({ sessionId, content: 'typed in the widget', sender: 'user' })
        .expect(201);
      expect(asUser.body).toMatchObject({ sender: 'user', adminId: null });
      const socket = await connect(server.url);
      await ack(socket, WidgetEvent.InitSession, { sessionId });
      for (const extra of [
        { sender: 'admin' },
        { adminId },
        { sender: 'ai' },
      ]) {
        const reply = await ack(socket, WidgetEvent.UserMessage, {
          sessionId,
          content: 'x',
          ...extra,
        });
        expect(reply).toMatchObject({
          ok: false,
          error: { code: 'VALIDATION_FAILED' },
        });
      }
      expect(await storedContents(sessionId)).toEqual(['typed in the widget']);
    });

    it('keeps every admin route closed to a visitor (401), whatever the session ids they know', async () => {
      const { sessionId } = await newWidget();
      for (const [method, path] of [
        ['get', '/api/admin/sessions'],
        ['get', `/api/admin/sessions/${sessionId}`],
        ['patch', `/api/admin/sessions/${sessionId}`],
        ['delete', `/api/admin/sessions/${sessionId}`],
        ['get', `/api/admin/sessions/${sessionId}/export`],
        ['get', '/api/admin/agents'],
        ['post', '/api/admin/agents'],
        ['patch', `/api/admin/agents/${adminId}`],
      ] as const) {
        for (const auth of [undefined, `Bearer ${sessionId}`, sessionId]) {
          const call = api()[method](path);
          if (auth) void call.set('Authorization', auth);
          const response = await call.send({ status: 'resolved' });
          expect({ method, path, status: response.status }).toEqual({
            method,
            path,
            status: 401,
          });
        }
      }
      expect(await detail(sessionId)).toMatchObject({ status: 'open' });
    });
  });

  describe('the agent role', () => {
    it('cannot erase or export a session, nor make itself admin; the session stays intact', async () => {
      const { socket, sessionId } = await newWidget();
      await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'keep me',
      });
      const agent = await newAgent();
      for (const call of [
        api().delete(`/api/admin/sessions/${sessionId}`),
        api().get(`/api/admin/sessions/${sessionId}/export`),
        api().patch(`/api/admin/agents/${agent.id}`).send({ role: 'admin' }),
        api().post('/api/admin/agents').send({
          email: 'shadow@example.com',
          name: 'Shadow',
          password: 'shadow passphrase',
          role: 'admin',
        }),
      ]) {
        const response = await call.set('Authorization', agent.auth);
        expect(response.status).toBe(403);
        expect(response.body.code).toBe('FORBIDDEN');
      }
      expect(await storedContents(sessionId)).toEqual(['keep me']);
      const me = await api()
        .get('/api/auth/me')
        .set('Authorization', agent.auth)
        .expect(200);
      expect(me.body.role).toBe('agent');
    });

    it("cannot act as a visitor from the admin namespace (the widget's events are FORBIDDEN there)", async () => {
      const { sessionId } = await newWidget();
      const agent = await newAgent();
      const panel = await connectAdmin(server, agent.token);
      for (const [event, payload] of [
        [WidgetEvent.InitSession, { sessionId }],
        [
          WidgetEvent.UserMessage,
          { sessionId, content: 'posing as the visitor' },
        ],
        [WidgetEvent.Sync, { sessionId }],
        [WidgetEvent.MarkRead, { sessionId, upTo: '1' }],
        [WidgetEvent.RequestHuman, { sessionId }],
      ] as const) {
        expect(await ack(panel, event, payload)).toMatchObject({
          ok: false,
          error: { code: 'FORBIDDEN' },
        });
      }
      expect(await storedContents(sessionId)).toEqual([]);
    });

    it('does the normal work: lists, joins, replies on both transports, assigns, resolves, toggles the AI', async () => {
      const { socket, sessionId } = await newWidget();
      const agent = await newAgent();
      const panel = await connectAdmin(server, agent.token);
      expect(await ack(panel, AdminEvent.JoinSession, { sessionId })).toEqual({
        ok: true,
      });
      const typing = nextEvent(panel, AdminServerEvent.UserTyping);
      await ack(socket, WidgetEvent.Typing, { sessionId, isTyping: true });
      await typing;
      const reply = await ackOk(panel, AdminEvent.AdminMessage, {
        sessionId,
        content: 'agent here',
      });
      expect(reply.message).toMatchObject({
        sender: 'admin',
        adminId: agent.id,
      });
      const overRest = await api()
        .post('/api/chat/message')
        .set('Authorization', agent.auth)
        .send({ sessionId, content: 'and over REST', sender: 'admin' })
        .expect(201);
      expect(overRest.body.adminId).toBe(agent.id);
      for (const [event, payload] of [
        [AdminEvent.AssignSession, { sessionId, adminId: agent.id }],
        [AdminEvent.MarkRead, { sessionId }],
        [AdminEvent.ToggleAiMode, { sessionId, enabled: false }],
        [AdminEvent.ResolveSession, { sessionId }],
        [AdminEvent.ReopenSession, { sessionId }],
      ] as const) {
        expect(await ack(panel, event, payload)).toEqual({ ok: true });
      }
      await api()
        .patch(`/api/admin/sessions/${sessionId}`)
        .set('Authorization', agent.auth)
        .send({ status: 'resolved' })
        .expect(200);
      await api()
        .get('/api/admin/agents')
        .set('Authorization', agent.auth)
        .expect(200);
      expect(await detail(sessionId)).toMatchObject({
        assignedAdminId: agent.id,
        status: 'resolved',
      });
    });
  });

  describe('payloads built to confuse the server', () => {
    afterEach(() => {
      // The app runs in this process: a polluted prototype would show here.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).sender).toBeUndefined();
      expect(({} as Record<string, unknown>).role).toBeUndefined();
    });

    const pollution = (extra: string) => [
      `{${extra}"__proto__":{"polluted":"yes","sender":"admin","role":"admin","sessionId":"${randomUUID()}"}}`,
      `{${extra}"constructor":{"prototype":{"polluted":"yes","sender":"admin"}}}`,
      `{${extra}"__proto__":{"__proto__":{"polluted":"yes"}}}`,
    ];

    it('__proto__ and constructor keys in REST bodies change nothing, now or later', async () => {
      const { sessionId } = await newWidget();
      for (const body of [
        ...pollution(''),
        ...pollution(
          `"sessionId":"${sessionId}","content":"hi","sender":"user",`,
        ),
      ]) {
        for (const path of ['/api/chat/session', '/api/chat/message']) {
          const response = await api()
            .post(path)
            .set('Content-Type', 'application/json')
            .send(body);
          expect([201, 400]).toContain(response.status);
          if (response.status === 201 && path === '/api/chat/message') {
            expect(response.body).toMatchObject({
              sender: 'user',
              adminId: null,
            });
          }
        }
        const login = await api()
          .post('/api/auth/login')
          .set('Content-Type', 'application/json')
          .send(body);
        expect([400, 401]).toContain(login.status);
        const agent = await api()
          .post('/api/admin/agents')
          .set('Authorization', adminAuth)
          .set('Content-Type', 'application/json')
          .send(body);
        expect(agent.status).toBe(400);
      }
      // Later requests behave as before: a missing sender is still missing.
      const later = await api()
        .post('/api/chat/message')
        .send({ sessionId, content: 'no sender' })
        .expect(400);
      expect(later.body.code).toBe('VALIDATION_FAILED');
      await api()
        .post('/api/chat/message')
        .send({ sessionId, content: 'hi', sender: 'admin' })
        .expect(401);
      for (const content of await storedContents(sessionId))
        expect(content).toBe('hi');
    });

    it('__proto__ and constructor keys in admin queries and socket payloads change nothing', async () => {
      for (const query of [
        '__proto__[polluted]=yes',
        '__proto__.polluted=yes',
        'constructor[prototype][polluted]=yes',
        'status[]=open&status[]=resolved',
      ]) {
        const response = await api()
          .get(`/api/admin/sessions?${query}`)
          .set('Authorization', adminAuth);
        expect([200, 400]).toContain(response.status);
      }
      const a = await newWidget();
      const stranger = await connect(server.url);
      for (const raw of [
        `{"__proto__":{"sessionId":"${a.sessionId}"}}`,
        `{"constructor":{"prototype":{"sessionId":"${a.sessionId}"}}}`,
      ]) {
        const reply = await ack(
          stranger,
          WidgetEvent.InitSession,
          JSON.parse(raw),
        );
        if (reply.ok) expect(reply.sessionId).not.toBe(a.sessionId);
      }
      for (const raw of [
        `{"sessionId":"${a.sessionId}","content":"hi","__proto__":{"sender":"admin"}}`,
        `{"__proto__":{"sessionId":"${a.sessionId}","content":"hi"}}`,
      ]) {
        const reply = await ack(
          stranger,
          WidgetEvent.UserMessage,
          JSON.parse(raw),
        );
        expect(reply.ok).toBe(false);
      }
      const own = await ack(
        a.socket,
        WidgetEvent.UserMessage,
        JSON.parse(
          `{"sessionId":"${a.sessionId}","content":"mine","__proto__":{"sender":"admin","adminId":"${adminId}"}}`,
        ),
      );
      if (own.ok)
        expect(own.message).toMatchObject({ sender: 'user', adminId: null });
      const agent = await connectAdmin(server);
      const reply = await ack(
        agent,
        AdminEvent.AssignSession,
        JSON.parse(
          `{"sessionId":"${a.sessionId}","__proto__":{"adminId":"${adminId}"}}`,
        ),
      );
      expect(reply.ok).toBe(false);
      expect(await detail(a.sessionId)).toMatchObject({
        assignedAdminId: null,
      });
    });

    it('stores SQL-looking text verbatim, on both transports, and keeps serving', async () => {
      const { socket, sessionId } = await newWidget();
      for (const content of SQL_LOOKALIKES) {
        const reply = await ackOk(socket, WidgetEvent.UserMessage, {
          sessionId,
          content,
          clientMessageId: content.replace(/[^\x20-\x7e]/g, '?').slice(0, 100),
        });
        expect(reply.message.content).toBe(content);
      }
      await api()
        .post('/api/chat/message')
        .send({ sessionId, content: SQL_LOOKALIKES[0], sender: 'user' })
        .expect(201);
      expect(await storedContents(sessionId)).toEqual([
        ...SQL_LOOKALIKES,
        SQL_LOOKALIKES[0],
      ]);
      const synced = await ackOk(socket, WidgetEvent.Sync, { sessionId });
      expect(
        synced.messages.map((m: { content: string }) => m.content),
      ).toEqual([...SQL_LOOKALIKES, SQL_LOOKALIKES[0]]);
      // The tables are all still there.
      await newWidget();
      await api().get('/health/ready').expect(200);
    });

    it('searches sessions for the text literally, LIKE wildcards included', async () => {
      const marker = randomUUID().slice(0, 8);
      const { socket, sessionId } = await newWidget();
      await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: `${SQL_LOOKALIKES[3]} ${marker}`,
      });
      const other = await newWidget();
      await ack(other.socket, WidgetEvent.UserMessage, {
        sessionId: other.sessionId,
        content: `abcXYZ-${marker}`,
      });
      const search = async (q: string) =>
        (
          await api()
            .get('/api/admin/sessions')
            .query({ q, limit: 200 })
            .set('Authorization', adminAuth)
            .expect(200)
        ).body.sessions.map((s: { sessionId: string }) => s.sessionId);
      expect(await search(`XYZ-${marker}`)).toEqual([other.sessionId]);
      // LIKE wildcards in the search text are plain characters.
      expect(await search(`a%Z-${marker}`)).toEqual([]);
      expect(await search(`abc_YZ-${marker}`)).toEqual([]);
      expect(await search(`' OR '1'='1 ${marker}`)).toEqual([sessionId]);
    });

    it.each<[string, string]>([
      ['an email with SQL', "' OR '1'='1' --"],
      ['an email with a wildcard', '%@%'],
      ['the admin email with a comment', `${adminEnv.ADMIN_EMAIL}' --`],
    ])('answers a login with %s with 401', async (_, email) => {
      const response = await api()
        .post('/api/auth/login')
        .send({ email, password: "' OR '1'='1" });
      expect(response.status).toBe(401);
    });

    it('refuses NUL characters instead of failing on them', async () => {
      const { socket, sessionId } = await newWidget();
      const viaSocket = await ack(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'a\u0000b',
      });
      expect(viaSocket).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
      const viaRest = await api()
        .post('/api/chat/message')
        .send({ sessionId, content: 'a\u0000b', sender: 'user' });
      expect(viaRest.status).toBe(400);
      const search = await api()
        .get('/api/admin/sessions')
        .query({ q: 'a\u0000b' })
        .set('Authorization', adminAuth);
      expect(search.status).toBe(400);
      const login = await api()
        .post('/api/auth/login')
        .send({ email: 'a\u0000@example.com', password: 'whatever it is' });
      expect([400, 401]).toContain(login.status);
      const created = await api()
        .post('/api/chat/session')
        .unset('User-Agent')
        .send({ userAgent: 'Agent\u0000' });
      expect(created.status).toBe(400);
      expect(await storedContents(sessionId)).toEqual([]);
    });

    it('takes null in an optional field as left out, or refuses it, and never fails on it', async () => {
      const { socket, sessionId } = await newWidget();
      const first = await ackOk(socket, WidgetEvent.UserMessage, {
        sessionId,
        content: 'first',
      });
      for (const cursor of [{ after: null }, { before: null }]) {
        const page = await ackOk(socket, WidgetEvent.Sync, {
          sessionId,
          ...cursor,
        });
        expect(page).toMatchObject({ ok: true, hasMore: false });
        expect(page.messages).toEqual([first.message]);
      }
      expect(
        await ack(socket, WidgetEvent.Sync, {
          sessionId,
          after: first.message.id,
          before: null,
        }),
      ).toMatchObject({ ok: true, messages: [] });
      const agent = await connectAdmin(server);
      expect(
        await ack(agent, AdminEvent.GetMessages, { sessionId, before: null }),
      ).toMatchObject({ ok: true, messages: [first.message] });
      expect(
        await ack(agent, AdminEvent.GetAllSessions, { cursor: null, limit: 1 }),
      ).toMatchObject({ ok: true, sessions: [expect.any(Object)] });
      const read = nextEvent(socket, WidgetServerEvent.MessagesRead);
      expect(
        await ack(agent, AdminEvent.MarkRead, { sessionId, upTo: null }),
      ).toEqual({ ok: true });
      expect(await read).toEqual({
        sessionId,
        by: 'admin',
        upTo: first.message.id,
      });
      for (const patch of [{ status: null }, { aiEnabled: null }]) {
        const response = await api()
          .patch(`/api/admin/sessions/${sessionId}`)
          .set('Authorization', adminAuth)
          .send(patch);
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('VALIDATION_FAILED');
      }
      expect(await detail(sessionId)).toMatchObject({
        status: 'open',
        aiEnabled: false,
      });
    });

    it('answers message ids beyond the 64-bit range as input errors, not server errors', async () => {
      const { socket, sessionId } = await newWidget();
      const huge = '9999999999999999999';
      const outcome = (reply: { ok: boolean; error?: { code: string } }) =>
        reply.ok ? 'ok' : reply.error?.code;
      expect(['ok', 'VALIDATION_FAILED']).toContain(
        outcome(
          await ack(socket, WidgetEvent.Sync, { sessionId, after: huge }),
        ),
      );
      const page = await api().get(
        `/api/chat/messages/${sessionId}?before=${huge}`,
      );
      expect([200, 400]).toContain(page.status);
      const agent = await connectAdmin(server);
      expect(['ok', 'VALIDATION_FAILED']).toContain(
        outcome(
          await ack(agent, AdminEvent.MarkRead, { sessionId, upTo: huge }),
        ),
      );
    });
  });
});
