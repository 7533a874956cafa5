import { randomUUID } from 'node:crypto';
import request, { type Response } from 'supertest';
import { ErrorCode } from '../src/common/errors';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';
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

const MAX_LENGTH = 20;
const MESSAGE_VIEW_KEYS = [
  'adminId',
  'clientMessageId',
  'content',
  'id',
  'sender',
  'sessionId',
  'timestamp',
];
const SESSION_VIEW_KEYS = [
  'aiEnabled',
  'assignedAdminId',
  'createdAt',
  'id',
  'ipAddress',
  'sessionId',
  'status',
  'updatedAt',
  'userAgent',
];
/** A line of a stack trace, as Node prints it. */
const STACK_LINE = /\bat .+[.:]\d+:\d+|\.(js|ts):\d+/;

describe('REST API', () => {
  let db: TestDatabase;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp({
      ...db.env,
      MESSAGE_MAX_LENGTH: String(MAX_LENGTH),
    });
  });

  afterEach(() => closeAll());

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const api = () => request(server.app.getHttpServer());

  async function newSession(): Promise<string> {
    const response = await api().post('/api/chat/session').send({});
    expect(response.status).toBe(201);
    return response.body.sessionId as string;
  }

  function postMessage(body: unknown): request.Test {
    return api()
      .post('/api/chat/message')
      .send(body as object);
  }

  async function sendAll(sessionId: string, contents: string[]) {
    const sent = [];
    for (const content of contents) {
      const response = await postMessage({
        sessionId,
        content,
        sender: 'user',
      });
      expect(response.status).toBe(201);
      sent.push(response.body as { id: string; content: string });
    }
    return sent;
  }

  function contentsOf(response: Response): string[] {
    return (response.body.messages as { content: string }[]).map(
      (message) => message.content,
    );
  }

  /** The contract's error shape, with nothing leaked. */
  function expectError(response: Response, status: number, code: ErrorCode) {
    expect({ status: response.status, code: response.body?.code }).toEqual({
      status,
      code,
    });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body.statusCode).toBe(status);
    expect(typeof response.body.message).toBe('string');
    expect(response.body.message.length).toBeGreaterThan(0);
    expect(
      Object.keys(response.body).filter(
        (key) => !['statusCode', 'code', 'message', 'details'].includes(key),
      ),
    ).toEqual([]);
    expect(JSON.stringify(response.body)).not.toMatch(STACK_LINE);
  }

  describe('POST /api/chat/session', () => {
    it('creates an open session and answers 201 with its id and view', async () => {
      const response = await api().post('/api/chat/session').send({});
      expect(response.status).toBe(201);
      const { sessionId, session } = response.body;
      expect(sessionId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      expect(Object.keys(session).sort()).toEqual(SESSION_VIEW_KEYS);
      expect(session).toMatchObject({
        id: sessionId,
        sessionId,
        status: 'open',
        aiEnabled: false,
        assignedAdminId: null,
      });
      expect(new Date(session.createdAt).toISOString()).toBe(session.createdAt);
      expect(new Date(session.updatedAt).toISOString()).toBe(session.updatedAt);
    });

    it('accepts an empty body and gives every call a new session', async () => {
      const first = await api().post('/api/chat/session');
      const second = await api().post('/api/chat/session');
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(first.body.sessionId).not.toBe(second.body.sessionId);
    });

    it('stores the user agent and address the server observes, not the ones in the body', async () => {
      const response = await api()
        .post('/api/chat/session')
        .set('User-Agent', 'ObservedBrowser/1.0')
        .set('X-Forwarded-For', '198.51.100.7')
        .send({ userAgent: 'DeclaredBrowser/2.0', ipAddress: '203.0.113.9' });
      expect(response.status).toBe(201);
      expect(response.body.session.userAgent).toBe('ObservedBrowser/1.0');
      // TRUST_PROXY is off by default: neither the body nor X-Forwarded-For counts.
      expect(response.body.session.ipAddress).toMatch(/127\.0\.0\.1$/);
    });

    it('uses the body user agent only when the request carries none', async () => {
      const response = await api()
        .post('/api/chat/session')
        .unset('User-Agent')
        .send({ userAgent: 'DeclaredBrowser/2.0' });
      expect(response.status).toBe(201);
      expect(response.body.session.userAgent).toBe('DeclaredBrowser/2.0');
    });

    it.each<[string, unknown]>([
      ['an unknown field', { colour: 'blue' }],
      ['a non-string userAgent', { userAgent: 42 }],
      ['an over-long userAgent', { userAgent: 'x'.repeat(513) }],
      ['an array body', [1, 2]],
    ])('refuses %s with VALIDATION_FAILED', async (_, body) => {
      const response = await api()
        .post('/api/chat/session')
        .send(body as object);
      expectError(response, 400, ErrorCode.VALIDATION_FAILED);
    });
  });

  describe('POST /api/chat/message', () => {
    it('answers 201 with the stored message, trimmed', async () => {
      const sessionId = await newSession();
      const response = await postMessage({
        sessionId,
        content: '  hello there \n',
        sender: 'user',
      });
      expect(response.status).toBe(201);
      expect(Object.keys(response.body).sort()).toEqual(MESSAGE_VIEW_KEYS);
      expect(response.body).toMatchObject({
        sessionId,
        sender: 'user',
        content: 'hello there',
        clientMessageId: null,
        adminId: null,
      });
      expect(response.body.id).toMatch(/^\d+$/);
      expect(new Date(response.body.timestamp).toISOString()).toBe(
        response.body.timestamp,
      );
      const history = await api().get(`/api/chat/messages/${sessionId}`);
      expect(history.body.messages).toEqual([response.body]);
    });

    it('accepts the session id in upper case and answers it in lower case', async () => {
      const sessionId = await newSession();
      const response = await postMessage({
        sessionId: sessionId.toUpperCase(),
        content: 'hi',
        sender: 'user',
      });
      expect(response.status).toBe(201);
      expect(response.body.sessionId).toBe(sessionId);
    });

    it('counts content in code points after trimming, up to MESSAGE_MAX_LENGTH', async () => {
      const sessionId = await newSession();
      const padded = `   ${'x'.repeat(MAX_LENGTH)}   `;
      const emoji = '😀'.repeat(MAX_LENGTH);
      for (const content of [padded, emoji]) {
        const response = await postMessage({
          sessionId,
          content,
          sender: 'user',
        });
        expect(response.status).toBe(201);
        expect(response.body.content).toBe(content.trim());
      }
      const tooLong = await postMessage({
        sessionId,
        content: 'x'.repeat(MAX_LENGTH + 1),
        sender: 'user',
      });
      expectError(tooLong, 400, ErrorCode.VALIDATION_FAILED);
      const history = await api().get(`/api/chat/messages/${sessionId}`);
      expect(contentsOf(history)).toEqual(['x'.repeat(MAX_LENGTH), emoji]);
    });

    describe('refuses with 400 VALIDATION_FAILED and stores nothing', () => {
      let sessionId: string;

      beforeAll(async () => {
        sessionId = await newSession();
      });

      const valid = () => ({ sessionId, content: 'hi', sender: 'user' });
      const cases: [string, () => unknown][] = [
        ['empty content', () => ({ ...valid(), content: '' })],
        ['whitespace-only content', () => ({ ...valid(), content: ' \n\t ' })],
        [
          'content one character too long',
          () => ({ ...valid(), content: 'é'.repeat(MAX_LENGTH + 1) }),
        ],
        ['numeric content', () => ({ ...valid(), content: 5 })],
        ['null content', () => ({ ...valid(), content: null })],
        ['array content', () => ({ ...valid(), content: ['hi'] })],
        ['missing content', () => ({ sessionId, sender: 'user' })],
        ['missing sessionId', () => ({ content: 'hi', sender: 'user' })],
        ['numeric sessionId', () => ({ ...valid(), sessionId: 7 })],
        ['a malformed sessionId', () => ({ ...valid(), sessionId: 'abc' })],
        [
          'the nil UUID',
          () => ({
            ...valid(),
            sessionId: '00000000-0000-0000-0000-000000000000',
          }),
        ],
        ['missing sender', () => ({ sessionId, content: 'hi' })],
        ["sender 'ai'", () => ({ ...valid(), sender: 'ai' })],
        [
          'an empty clientMessageId',
          () => ({ ...valid(), clientMessageId: '' }),
        ],
        [
          'a 101-character clientMessageId',
          () => ({ ...valid(), clientMessageId: 'k'.repeat(101) }),
        ],
        [
          'a non-ASCII clientMessageId',
          () => ({ ...valid(), clientMessageId: 'clé' }),
        ],
        [
          'a clientMessageId with a control character',
          () => ({ ...valid(), clientMessageId: 'a\tb' }),
        ],
        [
          'a numeric clientMessageId',
          () => ({ ...valid(), clientMessageId: 5 }),
        ],
        ['an unknown field', () => ({ ...valid(), priority: 'high' })],
        ['an array body', () => [valid()]],
      ];

      it.each(cases)('%s', async (_, body) => {
        expectError(
          await postMessage(body()),
          400,
          ErrorCode.VALIDATION_FAILED,
        );
      });

      it.each([
        ['invalid JSON', '{"sessionId": '],
        ['a JSON string', '"hello"'],
        ['a JSON number', '42'],
        ['JSON null', 'null'],
      ])('%s', async (_, raw) => {
        const response = await api()
          .post('/api/chat/message')
          .set('Content-Type', 'application/json')
          .send(raw);
        expectError(response, 400, ErrorCode.VALIDATION_FAILED);
      });

      it('a body that is not JSON at all', async () => {
        const response = await api()
          .post('/api/chat/message')
          .set('Content-Type', 'text/plain')
          .send('hello');
        expectError(response, 400, ErrorCode.VALIDATION_FAILED);
      });

      it('(none of them was stored)', async () => {
        const history = await api().get(`/api/chat/messages/${sessionId}`);
        expect(history.body.messages).toEqual([]);
      });
    });

    it('answers 404 NOT_FOUND for a well-formed session id that does not exist', async () => {
      const response = await postMessage({
        sessionId: randomUUID(),
        content: 'anyone there?',
        sender: 'user',
      });
      expectError(response, 404, ErrorCode.NOT_FOUND);
    });

    it("refuses sender 'admin' without a bearer token with 401 UNAUTHORIZED", async () => {
      const sessionId = await newSession();
      const anonymous = await postMessage({
        sessionId,
        content: 'I am staff',
        sender: 'admin',
      });
      expectError(anonymous, 401, ErrorCode.UNAUTHORIZED);
      const forged = await postMessage({
        sessionId,
        content: 'I am staff',
        sender: 'admin',
      }).set('Authorization', 'Bearer not-a-real-token');
      expectError(forged, 401, ErrorCode.UNAUTHORIZED);
      const history = await api().get(`/api/chat/messages/${sessionId}`);
      expect(history.body.messages).toEqual([]);
    });

    describe('idempotency on (sessionId, clientMessageId)', () => {
      it('answers a retry with the original message and stores it once', async () => {
        const sessionId = await newSession();
        const body = {
          sessionId,
          content: 'only once',
          sender: 'user',
          clientMessageId: 'retry-1',
        };
        const first = await postMessage(body);
        const retry = await postMessage({ ...body, content: '  only once  ' });
        expect(first.status).toBe(201);
        expect(first.body.clientMessageId).toBe('retry-1');
        expect(retry.status).toBe(201);
        expect(retry.body).toEqual(first.body);
        const history = await api().get(`/api/chat/messages/${sessionId}`);
        expect(history.body.messages).toEqual([first.body]);
      });

      it('answers 409 CONFLICT when the key comes back with other content', async () => {
        const sessionId = await newSession();
        const body = {
          sessionId,
          content: 'first words',
          sender: 'user',
          clientMessageId: 'k-1',
        };
        expect((await postMessage(body)).status).toBe(201);
        const conflict = await postMessage({ ...body, content: 'other words' });
        expectError(conflict, 409, ErrorCode.CONFLICT);
        const history = await api().get(`/api/chat/messages/${sessionId}`);
        expect(contentsOf(history)).toEqual(['first words']);
      });

      it('shares the key with the socket path', async () => {
        const widget = await connect(server.url);
        const init = await ackOk(widget, WidgetEvent.InitSession, {});
        const overSocket = await ackOk(widget, WidgetEvent.UserMessage, {
          sessionId: init.sessionId,
          content: 'sent twice',
          clientMessageId: 'shared-key',
        });
        const overRest = await postMessage({
          sessionId: init.sessionId,
          content: 'sent twice',
          sender: 'user',
          clientMessageId: 'shared-key',
        });
        expect(overRest.status).toBe(201);
        expect(overRest.body).toEqual(overSocket.message);
      });

      it('scopes the key to its session', async () => {
        const [a, b] = [await newSession(), await newSession()];
        const body = {
          content: 'same key',
          sender: 'user',
          clientMessageId: 'k',
        };
        const inA = await postMessage({ ...body, sessionId: a });
        const inB = await postMessage({ ...body, sessionId: b });
        expect([inA.status, inB.status]).toEqual([201, 201]);
        expect(inB.body.id).not.toBe(inA.body.id);
        expect(inB.body.sessionId).toBe(b);
      });
    });

    describe('fan-out to live sockets', () => {
      it("reaches the session's widget sockets as the same MessageView the REST call answered", async () => {
        const sessionId = await newSession();
        const widget = await connect(server.url);
        await ack(widget, WidgetEvent.InitSession, { sessionId });
        const bystander = await connect(server.url);
        await ack(bystander, WidgetEvent.InitSession, {});
        const strayed = record(bystander, WidgetServerEvent.Message);
        const arrived = nextEvent(widget, WidgetServerEvent.Message);
        const response = await postMessage({
          sessionId,
          content: ' over REST ',
          sender: 'user',
        });
        expect(response.status).toBe(201);
        expect(await arrived).toEqual(response.body);
        await sleep(100);
        expect(strayed).toEqual([]);
      });

      it('fans out nothing new for a retried send', async () => {
        const sessionId = await newSession();
        const widget = await connect(server.url);
        await ack(widget, WidgetEvent.InitSession, { sessionId });
        const seen = record(widget, WidgetServerEvent.Message);
        const body = {
          sessionId,
          content: 'hello',
          sender: 'user',
          clientMessageId: 'once',
        };
        await postMessage(body);
        await postMessage(body);
        await sleep(200);
        expect(seen).toHaveLength(1);
      });
    });
  });

  describe('GET /api/chat/messages/:sessionId', () => {
    let sessionId: string;
    let sent: { id: string; content: string }[];

    beforeAll(async () => {
      sessionId = await newSession();
      sent = await sendAll(
        sessionId,
        Array.from({ length: 7 }, (_, i) => `m${i + 1}`),
      );
    });

    const page = (query: Record<string, string | number> = {}) =>
      api().get(`/api/chat/messages/${sessionId}`).query(query);

    it('answers the latest messages oldest first without a cursor', async () => {
      const all = await page();
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ hasMore: false });
      expect(all.body.messages).toEqual(sent);
      const latest = await page({ limit: 3 });
      expect(contentsOf(latest)).toEqual(['m5', 'm6', 'm7']);
      expect(latest.body.hasMore).toBe(true);
    });

    it('answers the first `limit` messages after a cursor', async () => {
      const next = await page({ after: sent[1].id, limit: 2 });
      expect(next.status).toBe(200);
      expect(contentsOf(next)).toEqual(['m3', 'm4']);
      expect(next.body.hasMore).toBe(true);
      const rest = await page({ after: sent[4].id, limit: 2 });
      expect(contentsOf(rest)).toEqual(['m6', 'm7']);
      expect(rest.body.hasMore).toBe(false);
      const none = await page({ after: sent[6].id });
      expect(none.body).toMatchObject({ messages: [], hasMore: false });
    });

    it('answers the last `limit` messages before a cursor', async () => {
      const previous = await page({ before: sent[4].id, limit: 2 });
      expect(previous.status).toBe(200);
      expect(contentsOf(previous)).toEqual(['m3', 'm4']);
      expect(previous.body.hasMore).toBe(true);
      const first = await page({ before: sent[2].id, limit: 5 });
      expect(contentsOf(first)).toEqual(['m1', 'm2']);
      expect(first.body.hasMore).toBe(false);
      const none = await page({ before: sent[0].id });
      expect(none.body).toMatchObject({ messages: [], hasMore: false });
    });

    it('pages backwards through a whole history without gaps or repeats', async () => {
      const seen: string[] = [];
      let before: string | undefined;
      for (let hops = 0; hops < 10; hops++) {
        const response = await page({ limit: 3, ...(before && { before }) });
        seen.unshift(...contentsOf(response));
        if (!response.body.hasMore) break;
        before = response.body.messages[0].id;
      }
      expect(seen).toEqual(sent.map((message) => message.content));
    });

    it('defaults to 50 messages and accepts at most 200', async () => {
      const busy = await newSession();
      const contents = Array.from({ length: 55 }, (_, i) => `b${i + 1}`);
      await sendAll(busy, contents);
      const byDefault = await api().get(`/api/chat/messages/${busy}`);
      expect(contentsOf(byDefault)).toEqual(contents.slice(5));
      expect(byDefault.body.hasMore).toBe(true);
      const widest = await api()
        .get(`/api/chat/messages/${busy}`)
        .query({ limit: 200 });
      expect(contentsOf(widest)).toEqual(contents);
      expect(widest.body.hasMore).toBe(false);
    });

    it('answers an existing session without messages with an empty page', async () => {
      const quiet = await newSession();
      const response = await api().get(`/api/chat/messages/${quiet}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ messages: [], hasMore: false });
    });

    it.each<[string, Record<string, string | number>]>([
      ['a limit over 200', { limit: 201 }],
      ['a zero limit', { limit: 0 }],
      ['a negative limit', { limit: -1 }],
      ['a fractional limit', { limit: '2.5' }],
      ['a non-numeric limit', { limit: 'ten' }],
      ['a malformed after', { after: 'abc' }],
      ['a malformed before', { before: '1e3' }],
      ['both after and before', { after: '1', before: '5' }],
      ['an unknown query parameter', { offset: 10 }],
    ])('refuses %s with 400 VALIDATION_FAILED', async (_, query) => {
      expectError(await page(query), 400, ErrorCode.VALIDATION_FAILED);
    });

    it.each([
      ['a malformed id', 'not-a-session'],
      ['the nil UUID', '00000000-0000-0000-0000-000000000000'],
    ])('refuses %s with 400 VALIDATION_FAILED', async (_, id) => {
      const response = await api().get(`/api/chat/messages/${id}`);
      expectError(response, 400, ErrorCode.VALIDATION_FAILED);
    });

    it('answers 404 NOT_FOUND for a well-formed id that does not exist', async () => {
      const response = await api().get(`/api/chat/messages/${randomUUID()}`);
      expectError(response, 404, ErrorCode.NOT_FOUND);
      const withCursor = await api()
        .get(`/api/chat/messages/${randomUUID()}`)
        .query({ after: sent[0].id });
      expectError(withCursor, 404, ErrorCode.NOT_FOUND);
    });

    it('accepts the session id in upper case', async () => {
      const response = await api().get(
        `/api/chat/messages/${sessionId.toUpperCase()}`,
      );
      expect(response.status).toBe(200);
      expect(response.body.messages).toEqual(sent);
    });
  });

  describe('errors', () => {
    it('answers an oversized JSON body with 413 PAYLOAD_TOO_LARGE in the error shape', async () => {
      const sessionId = await newSession();
      const response = await postMessage({
        sessionId,
        content: 'x'.repeat(200_000),
        sender: 'user',
      });
      expectError(response, 413, ErrorCode.PAYLOAD_TOO_LARGE);
      const history = await api().get(`/api/chat/messages/${sessionId}`);
      expect(history.body.messages).toEqual([]);
    });

    it.each([
      ['GET', '/api/nothing-here'],
      ['GET', '/nothing-here'],
      ['POST', '/api/chat/sessions'],
      ['DELETE', '/api/chat/session'],
      ['GET', '/api/chat/messages'],
    ])('answers %s %s with 404 NOT_FOUND', async (method, path) => {
      const response =
        await api()[method.toLowerCase() as 'get' | 'post' | 'delete'](path);
      expectError(response, 404, ErrorCode.NOT_FOUND);
    });
  });

  describe('health', () => {
    it('GET /health answers 200 {status:"ok"}', async () => {
      const response = await api().get('/health');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok' });
    });

    it('GET /health/ready reports the database up and the AI disabled, in terminus shape', async () => {
      const response = await api().get('/health/ready');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        status: 'ok',
        info: {
          database: { status: 'up' },
          ai: { status: 'up', state: 'disabled' },
        },
        error: {},
        details: {
          database: { status: 'up' },
          ai: { status: 'up', state: 'disabled' },
        },
      });
    });
  });

  describe('OpenAPI', () => {
    type Schema = {
      $ref?: string;
      type?: string;
      properties?: Record<string, unknown>;
      required?: string[];
      items?: Schema;
      enum?: unknown[];
    };
    type Operation = {
      requestBody?: { content?: Record<string, { schema?: Schema }> };
      responses: Record<
        string,
        { content?: Record<string, { schema?: Schema }> }
      >;
    };
    let document: {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, Schema> };
    };

    beforeAll(async () => {
      const response = await api().get('/api/docs-json');
      expect(response.status).toBe(200);
      document = response.body;
    });

    function resolve(schema: Schema | undefined): Schema | undefined {
      if (!schema?.$ref) return schema;
      return document.components.schemas[schema.$ref.split('/').pop()!];
    }

    function jsonSchema(part: {
      content?: Record<string, { schema?: Schema }>;
    }): Schema | undefined {
      return resolve(part.content?.['application/json']?.schema);
    }

    const routes: [string, string, string, boolean][] = [
      ['/api/chat/session', 'post', '201', true],
      ['/api/chat/message', 'post', '201', true],
      ['/api/chat/messages/{sessionId}', 'get', '200', false],
      ['/health', 'get', '200', false],
      ['/health/ready', 'get', '200', false],
    ];

    it.each(routes)(
      'documents %s %s with its request, response and error schemas',
      (path, method, success, takesBody) => {
        const operation = document.paths[path]?.[method];
        expect(operation).toBeDefined();
        if (takesBody) {
          expect(jsonSchema(operation.requestBody ?? {})?.properties).toEqual(
            expect.any(Object),
          );
        }
        const response = jsonSchema(operation.responses[success] ?? {});
        expect(response?.type).toBe('object');
        expect(response?.properties).toEqual(expect.any(Object));
        const errors = Object.entries(operation.responses).filter(
          ([status]) => Number(status) >= 400,
        );
        expect(errors.map(([status]) => status)).not.toEqual([]);
        for (const [, error] of errors) {
          expect(jsonSchema(error)?.properties).toEqual(expect.any(Object));
        }
      },
    );

    it('documents the error shape with every error code', () => {
      const error = resolve(
        document.paths['/api/chat/message'].post.responses['400'].content?.[
          'application/json'
        ]?.schema,
      );
      expect(error?.required).toEqual(
        expect.arrayContaining(['statusCode', 'code', 'message']),
      );
      expect(
        (error?.properties?.code as Schema | undefined)?.enum?.slice().sort(),
      ).toEqual(Object.values(ErrorCode).sort());
    });

    it('documents the same fields the routes answer with', async () => {
      const propertiesOf = (name: string) =>
        Object.keys(document.components.schemas[name]?.properties ?? {}).sort();
      const created = await api().post('/api/chat/session').send({});
      const message = await postMessage({
        sessionId: created.body.sessionId,
        content: 'documented',
        sender: 'user',
      });
      const history = await api().get(
        `/api/chat/messages/${created.body.sessionId}`,
      );
      expect(propertiesOf('MessageView')).toEqual(
        Object.keys(message.body).sort(),
      );
      expect(propertiesOf('SessionView')).toEqual(
        Object.keys(created.body.session).sort(),
      );
      const createdSchema = jsonSchema(
        document.paths['/api/chat/session'].post.responses['201'],
      );
      expect(Object.keys(createdSchema?.properties ?? {}).sort()).toEqual(
        Object.keys(created.body).sort(),
      );
      const pageSchema = jsonSchema(
        document.paths['/api/chat/messages/{sessionId}'].get.responses['200'],
      );
      expect(Object.keys(pageSchema?.properties ?? {}).sort()).toEqual(
        Object.keys(history.body).sort(),
      );
    });

    it('serves the OpenAPI UI at /api/docs', async () => {
      const response = await api().get('/api/docs');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.text).toMatch(/swagger/i);
    });
  });
});
