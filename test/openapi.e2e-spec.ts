import { JwtService } from '@nestjs/jwt';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import request, { type Response } from 'supertest';
import { AdminAccountsService } from '../src/auth/admin-accounts.service';
import { ErrorCode, httpStatusOf } from '../src/common/errors';
import { adminEnv, login } from './utils/admin';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

type Json = Record<string, any>;

const sorted = (names: Iterable<string>) =>
  [...names].sort((a, b) => a.localeCompare(b));
type Method = 'get' | 'post' | 'patch' | 'delete';

const ALLOWED_ORIGIN = 'http://shop.example';
const UNKNOWN_ID = '3f2a9c1b-0000-4000-8000-000000000000';

/** What the requests of both apps need: ids and tokens made once. */
interface Fixtures {
  sessionId: string;
  doomedSessionId: string;
  adminToken: string;
  adminId: string;
  agentToken: string;
  agentId: string;
  leaverToken: string;
}

/** One request, and the documented response it must produce. */
interface Case {
  method: Method;
  /** The path as the document names it. */
  route: string;
  status: number;
  path?: (f: Fixtures) => string;
  body?: (f: Fixtures) => unknown;
  token?: (f: Fixtures) => string;
  origin?: string;
  /** The answer is exactly the documented example (the request was made to reproduce it). */
  exact?: boolean;
}

const sessionPath = (f: Fixtures) => `/api/admin/sessions/${f.sessionId}`;
const bearer = (f: Fixtures) => f.adminToken;
const asAgent = (f: Fixtures) => f.agentToken;

/** Against an app with the default limits; run in this order (some create what later ones use). */
const CASES: Case[] = [
  { method: 'get', route: '/api/chat/settings', status: 200 },
  { method: 'get', route: '/health', status: 200 },
  { method: 'get', route: '/health/ready', status: 200 },
  {
    method: 'post',
    route: '/api/chat/session',
    status: 201,
    body: () => ({ userAgent: 'docs test' }),
  },
  {
    method: 'post',
    route: '/api/chat/session',
    status: 400,
    body: () => ({ userAgent: 'x'.repeat(600) }),
  },
  {
    method: 'post',
    route: '/api/chat/session',
    status: 413,
    body: () => ({ userAgent: 'x'.repeat(40_000) }),
    exact: true,
  },
  {
    method: 'post',
    route: '/api/chat/message',
    status: 201,
    body: (f) => ({
      sessionId: f.sessionId,
      content: 'Hello',
      sender: 'user',
      clientMessageId: 'docs-1',
    }),
  },
  {
    method: 'post',
    route: '/api/chat/message',
    status: 400,
    body: () => ({ sessionId: 'nope', content: 'Hello', sender: 'user' }),
    exact: true,
  },
  {
    method: 'post',
    route: '/api/chat/message',
    status: 401,
    body: (f) => ({ sessionId: f.sessionId, content: 'Hi', sender: 'admin' }),
    exact: true,
  },
  {
    method: 'post',
    route: '/api/chat/message',
    status: 403,
    body: (f) => ({ sessionId: f.sessionId, content: 'Hi', sender: 'user' }),
    origin: 'http://elsewhere.example',
  },
  {
    method: 'post',
    route: '/api/chat/message',
    status: 404,
    body: () => ({ sessionId: UNKNOWN_ID, content: 'Hi', sender: 'user' }),
    exact: true,
  },
  {
    method: 'post',
    route: '/api/chat/message',
    status: 409,
    body: (f) => ({
      sessionId: f.sessionId,
      content: 'Something else',
      sender: 'user',
      clientMessageId: 'docs-1',
    }),
    exact: true,
  },
  {
    method: 'post',
    route: '/api/chat/message',
    status: 413,
    body: (f) => ({
      sessionId: f.sessionId,
      content: 'x'.repeat(40_000),
      sender: 'user',
    }),
    exact: true,
  },
  {
    method: 'get',
    route: '/api/chat/messages/{sessionId}',
    status: 200,
    path: (f) => `/api/chat/messages/${f.sessionId}?limit=10`,
  },
  {
    method: 'get',
    route: '/api/chat/messages/{sessionId}',
    status: 400,
    path: () => '/api/chat/messages/nope',
    exact: true,
  },
  {
    method: 'get',
    route: '/api/chat/messages/{sessionId}',
    status: 404,
    path: () => `/api/chat/messages/${UNKNOWN_ID}`,
    exact: true,
  },
  {
    method: 'post',
    route: '/api/auth/login',
    status: 200,
    body: () => ({
      email: adminEnv.ADMIN_EMAIL,
      password: adminEnv.ADMIN_PASSWORD,
    }),
  },
  { method: 'post', route: '/api/auth/login', status: 400, body: () => ({}) },
  {
    method: 'post',
    route: '/api/auth/login',
    status: 401,
    body: () => ({ email: adminEnv.ADMIN_EMAIL, password: 'not the password' }),
    exact: true,
  },
  { method: 'get', route: '/api/auth/me', status: 200, token: bearer },
  { method: 'get', route: '/api/auth/me', status: 401, exact: true },
  {
    method: 'post',
    route: '/api/auth/logout',
    status: 204,
    token: (f) => f.leaverToken,
  },
  { method: 'post', route: '/api/auth/logout', status: 401, exact: true },
  {
    method: 'get',
    route: '/api/admin/sessions',
    status: 200,
    path: () => '/api/admin/sessions?limit=5',
    token: bearer,
  },
  {
    method: 'get',
    route: '/api/admin/sessions',
    status: 400,
    path: () => '/api/admin/sessions?status=closed',
    token: bearer,
  },
  { method: 'get', route: '/api/admin/sessions', status: 401, exact: true },
  {
    method: 'get',
    route: '/api/admin/sessions/{sessionId}',
    status: 200,
    path: sessionPath,
    token: bearer,
  },
  {
    method: 'get',
    route: '/api/admin/sessions/{sessionId}',
    status: 400,
    path: () => '/api/admin/sessions/nope',
    token: bearer,
    exact: true,
  },
  {
    method: 'get',
    route: '/api/admin/sessions/{sessionId}',
    status: 401,
    path: sessionPath,
    exact: true,
  },
  {
    method: 'get',
    route: '/api/admin/sessions/{sessionId}',
    status: 404,
    path: () => `/api/admin/sessions/${UNKNOWN_ID}`,
    token: bearer,
    exact: true,
  },
  {
    method: 'patch',
    route: '/api/admin/sessions/{sessionId}',
    status: 200,
    path: sessionPath,
    body: (f) => ({ status: 'resolved', assignedAdminId: f.adminId }),
    token: bearer,
  },
  {
    method: 'patch',
    route: '/api/admin/sessions/{sessionId}',
    status: 400,
    path: sessionPath,
    body: () => ({ status: 'closed' }),
    token: bearer,
  },
  {
    method: 'patch',
    route: '/api/admin/sessions/{sessionId}',
    status: 401,
    path: sessionPath,
    body: () => ({ status: 'open' }),
    exact: true,
  },
  {
    method: 'patch',
    route: '/api/admin/sessions/{sessionId}',
    status: 404,
    path: () => `/api/admin/sessions/${UNKNOWN_ID}`,
    body: () => ({ status: 'open' }),
    token: bearer,
    exact: true,
  },
  {
    // Without an AI key, the AI cannot be turned on.
    method: 'patch',
    route: '/api/admin/sessions/{sessionId}',
    status: 503,
    path: sessionPath,
    body: () => ({ aiEnabled: true }),
    token: bearer,
  },
  {
    method: 'get',
    route: '/api/admin/sessions/{sessionId}/export',
    status: 200,
    path: (f) => `${sessionPath(f)}/export`,
    token: bearer,
  },
  {
    method: 'get',
    route: '/api/admin/sessions/{sessionId}/export',
    status: 400,
    path: () => '/api/admin/sessions/nope/export',
    token: bearer,
    exact: true,
  },
  {
    method: 'get',
    route: '/api/admin/sessions/{sessionId}/export',
    status: 401,
    path: (f) => `${sessionPath(f)}/export`,
    exact: true,
  },
  {
    method: 'get',
    route: '/api/admin/sessions/{sessionId}/export',
    status: 403,
    path: (f) => `${sessionPath(f)}/export`,
    token: asAgent,
    exact: true,
  },
  {
    method: 'get',
    route: '/api/admin/sessions/{sessionId}/export',
    status: 404,
    path: () => `/api/admin/sessions/${UNKNOWN_ID}/export`,
    token: bearer,
    exact: true,
  },
  {
    method: 'delete',
    route: '/api/admin/sessions/{sessionId}',
    status: 400,
    path: () => '/api/admin/sessions/nope',
    token: bearer,
    exact: true,
  },
  {
    method: 'delete',
    route: '/api/admin/sessions/{sessionId}',
    status: 401,
    path: (f) => `/api/admin/sessions/${f.doomedSessionId}`,
    exact: true,
  },
  {
    method: 'delete',
    route: '/api/admin/sessions/{sessionId}',
    status: 403,
    path: (f) => `/api/admin/sessions/${f.doomedSessionId}`,
    token: asAgent,
    exact: true,
  },
  {
    method: 'delete',
    route: '/api/admin/sessions/{sessionId}',
    status: 404,
    path: () => `/api/admin/sessions/${UNKNOWN_ID}`,
    token: bearer,
    exact: true,
  },
  {
    method: 'delete',
    route: '/api/admin/sessions/{sessionId}',
    status: 204,
    path: (f) => `/api/admin/sessions/${f.doomedSessionId}`,
    token: bearer,
  },
  { method: 'get', route: '/api/admin/agents', status: 200, token: bearer },
  { method: 'get', route: '/api/admin/agents', status: 401, exact: true },
  {
    method: 'post',
    route: '/api/admin/agents',
    status: 201,
    body: () => ({
      email: 'ada@example.com',
      name: 'Ada',
      password: 'a long enough password',
    }),
    token: bearer,
  },
  {
    method: 'post',
    route: '/api/admin/agents',
    status: 400,
    body: () => ({ email: 'not an email', name: 'Ada', password: 'x' }),
    token: bearer,
  },
  { method: 'post', route: '/api/admin/agents', status: 401, exact: true },
  {
    method: 'post',
    route: '/api/admin/agents',
    status: 403,
    body: () => ({
      email: 'grace@example.com',
      name: 'Grace',
      password: 'a long enough password',
    }),
    token: asAgent,
    exact: true,
  },
  {
    method: 'post',
    route: '/api/admin/agents',
    status: 409,
    body: () => ({
      email: 'ada@example.com',
      name: 'Ada again',
      password: 'a long enough password',
    }),
    token: bearer,
    exact: true,
  },
  {
    method: 'patch',
    route: '/api/admin/agents/{id}',
    status: 200,
    path: (f) => `/api/admin/agents/${f.agentId}`,
    body: () => ({ name: 'Agent Smith' }),
    token: bearer,
  },
  {
    method: 'patch',
    route: '/api/admin/agents/{id}',
    status: 400,
    path: (f) => `/api/admin/agents/${f.agentId}`,
    body: () => ({ role: 'owner' }),
    token: bearer,
  },
  {
    method: 'patch',
    route: '/api/admin/agents/{id}',
    status: 401,
    path: (f) => `/api/admin/agents/${f.agentId}`,
    body: () => ({ name: 'Nobody' }),
    exact: true,
  },
  {
    method: 'patch',
    route: '/api/admin/agents/{id}',
    status: 403,
    path: (f) => `/api/admin/agents/${f.agentId}`,
    body: () => ({ name: 'Myself' }),
    token: asAgent,
    exact: true,
  },
  {
    method: 'patch',
    route: '/api/admin/agents/{id}',
    status: 404,
    path: () => `/api/admin/agents/${UNKNOWN_ID}`,
    body: () => ({ name: 'Nobody' }),
    token: bearer,
  },
  {
    method: 'patch',
    route: '/api/admin/agents/{id}',
    status: 409,
    path: (f) => `/api/admin/agents/${f.adminId}`,
    body: () => ({ disabled: true }),
    token: bearer,
    exact: true,
  },
];

/** Against an app whose limits are spent at once. */
const LIMITED_CASES: Case[] = [
  {
    method: 'post',
    route: '/api/chat/session',
    status: 429,
    body: () => ({}),
  },
  {
    method: 'post',
    route: '/api/chat/message',
    status: 429,
    body: (f) => ({ sessionId: f.sessionId, content: 'Hi', sender: 'user' }),
  },
  {
    method: 'get',
    route: '/api/chat/messages/{sessionId}',
    status: 429,
    path: (f) => `/api/chat/messages/${f.sessionId}`,
  },
  {
    method: 'post',
    route: '/api/auth/login',
    status: 429,
    body: () => ({ email: adminEnv.ADMIN_EMAIL, password: 'wrong, twice' }),
  },
];

const LIMITED_ENV = {
  HTTP_WRITES_PER_MINUTE_PER_IP: '1',
  NEW_SESSIONS_PER_HOUR_PER_IP: '1',
  HISTORY_READS_PER_MINUTE_PER_IP: '1',
  LOGIN_MAX_ATTEMPTS: '1',
};

/**
 * Documented answers no request here can produce: the database going away (test/outage.e2e-spec.ts
 * answers those) and a crash of the liveness check. Their examples are still checked.
 */
const UNPRODUCIBLE = new Set([
  'POST /api/chat/session 503',
  'POST /api/chat/message 503',
  'GET /api/chat/messages/{sessionId} 503',
  'GET /health 500',
  'GET /health/ready 503',
]);

/** The document's own references, pointed at the schema that holds its components in Ajv. */
function rebased(schema: Json): Json {
  return JSON.parse(
    JSON.stringify(schema).replaceAll(
      '"#/components/schemas/',
      '"openapi#/definitions/',
    ),
  ) as Json;
}

const keyOf = ({ method, route, status }: Case) =>
  `${method.toUpperCase()} ${route} ${status}`;

const CODE_OF_STATUS = new Map(
  Object.values(ErrorCode).map((code) => [httpStatusOf(code), code]),
);

function documentedResponses(document: Json): string[] {
  return Object.entries<Json>(document.paths).flatMap(([route, methods]) =>
    Object.entries<Json>(methods).flatMap(([method, operation]) =>
      Object.keys(operation.responses).map(
        (status) => `${method.toUpperCase()} ${route} ${status}`,
      ),
    ),
  );
}

/** Every REST schema and error example of /api/docs-json, held against what the server answers. */
describe('OpenAPI document', () => {
  let db: TestDatabase;
  let server: TestApp;
  let document: Json;
  let ajv: Ajv;
  let fixtures: Fixtures;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp({
      ...db.env,
      ...adminEnv,
      CORS_ORIGINS: ALLOWED_ORIGIN,
    });
    document = (await request(server.url).get('/api/docs-json').expect(200))
      .body as Json;
    // The document speaks OpenAPI 3.0, whose `nullable` Ajv knows; `example` is only for people.
    ajv = new Ajv({ allErrors: true, strict: true });
    ajv.addKeyword('example');
    addFormats(ajv);
    ajv.addSchema(
      rebased({ $id: 'openapi', definitions: document.components.schemas }),
    );
    fixtures = await makeFixtures(server);
  });

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  function matches(schema: Json, value: unknown): string | null {
    const validate = ajv.compile(rebased(schema));
    return validate(value) ? null : ajv.errorsText(validate.errors);
  }

  function send(app: TestApp, testCase: Case, path: string): Promise<Response> {
    let call = request(app.url)[testCase.method](path);
    const token = testCase.token?.(fixtures);
    if (token) call = call.set('Authorization', `Bearer ${token}`);
    if (testCase.origin) call = call.set('Origin', testCase.origin);
    return testCase.body ? call.send(testCase.body(fixtures) as object) : call;
  }

  async function check(app: TestApp, testCase: Case): Promise<void> {
    const operation = document.paths[testCase.route]?.[testCase.method] as
      Json | undefined;
    const path = testCase.path?.(fixtures) ?? testCase.route;
    const response = await send(app, testCase, path);
    if (!operation) {
      // Not documented, so not served either.
      expect(response.status).toBe(404);
      return;
    }
    const documented = operation.responses[String(testCase.status)] as
      Json | undefined;
    expect({ answered: response.status, body: response.body }).toMatchObject({
      answered: testCase.status,
    });
    expect(documented).toBeDefined();

    const requestSchema =
      operation.requestBody?.content['application/json']?.schema;
    if (testCase.status < 300 && requestSchema && testCase.body) {
      expect(matches(requestSchema, testCase.body(fixtures))).toBeNull();
    }
    const content = documented!.content?.['application/json'] as
      Json | undefined;
    if (!content) {
      expect(response.text).toBe('');
      return;
    }
    expect(matches(content.schema, response.body)).toBeNull();
    if (testCase.status < 400) return;

    const example = content.example as Json;
    expect(example).toMatchObject({
      statusCode: testCase.status,
      code: CODE_OF_STATUS.get(testCase.status),
    });
    expect(sorted(Object.keys(response.body))).toEqual(
      sorted(Object.keys(example)),
    );
    expect(sorted(Object.keys(response.body.details ?? {}))).toEqual(
      sorted(Object.keys(example.details ?? {})),
    );
    if (testCase.exact) expect(response.body).toEqual(example);
  }

  it('answers every documented response in one of the requests below', () => {
    const produced = new Set([...CASES, ...LIMITED_CASES].map(keyOf));
    const missing = documentedResponses(document).filter(
      (key) => !produced.has(key) && !UNPRODUCIBLE.has(key),
    );
    expect(missing).toEqual([]);
  });

  it('gives every error body an example of its own status', () => {
    const problems: string[] = [];
    for (const key of documentedResponses(document)) {
      const [method, route, status] = key.split(' ');
      const content =
        document.paths[route][method.toLowerCase()].responses[status].content?.[
          'application/json'
        ];
      if (content?.schema.$ref !== '#/components/schemas/ErrorResponse')
        continue;
      const example = content.example as Json | undefined;
      if (
        example?.statusCode !== Number(status) ||
        example.code !== CODE_OF_STATUS.get(Number(status))
      )
        problems.push(`${key}: example ${JSON.stringify(example)}`);
    }
    expect(problems).toEqual([]);
  });

  it('has only examples that fit the schema they illustrate', () => {
    const problems: string[] = [];
    const visit = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      if (Array.isArray(node)) {
        node.forEach((item, index) => visit(item, `${at}/${index}`));
        return;
      }
      const { example, schema, ...rest } = node as Json;
      if (example !== undefined) {
        // A media type holds its example beside its schema; a schema holds it inside.
        const illustrated = schema ?? rest;
        const mismatch = matches(illustrated, example);
        if (mismatch) problems.push(`${at}: ${mismatch}`);
      }
      for (const [key, value] of Object.entries(node as Json))
        if (key !== 'example') visit(value, `${at}/${key}`);
    };
    visit(document.paths, '#/paths');
    visit(document.components.schemas, '#/components/schemas');
    expect(problems).toEqual([]);
  });

  it.each(CASES.map((testCase) => [keyOf(testCase), testCase] as const))(
    '%s',
    async (_, testCase) => check(server, testCase),
  );

  it('says why a bearer token is refused, in details.reason', async () => {
    const { admin } = await login(server);
    const expired = server.app
      .get(JwtService)
      .sign({ sub: admin.id }, { expiresIn: -10 });
    for (const [reason, token] of [
      ['invalid', 'not-a-token'],
      ['expired', expired],
    ]) {
      const response = await request(server.url)
        .get('/api/auth/me')
        .set('Authorization', `Bearer ${token}`)
        .expect(401);
      expect(response.body).toMatchObject({
        code: ErrorCode.UNAUTHORIZED,
        details: { reason },
      });
    }
  });

  it('tells a login without an email that the email is missing', async () => {
    const response = await request(server.url)
      .post('/api/auth/login')
      .send({ password: 'whatever it is' })
      .expect(400);
    expect(response.body.message).toBe('email is required');
    const login401 = document.paths['/api/auth/login'].post.responses['401'];
    expect(login401.description).toMatch(/wrong email or password/i);
    expect(login401.description).not.toMatch(/bearer/i);
  });

  it('types clientMessageId as the string it is', () => {
    const property = document.components.schemas.PostMessageDto.properties
      .clientMessageId as Json;
    expect(property).toMatchObject({ type: 'string', nullable: true });
  });

  describe('with every limit spent at once', () => {
    let limitedDb: TestDatabase;
    let limited: TestApp;

    beforeAll(async () => {
      limitedDb = await createTestDatabase();
      limited = await startApp({
        ...limitedDb.env,
        ...adminEnv,
        ...LIMITED_ENV,
      });
      const created = await request(limited.url)
        .post('/api/chat/session')
        .send({})
        .expect(201);
      await request(limited.url)
        .get(`/api/chat/messages/${created.body.sessionId}`)
        .expect(200);
      await request(limited.url)
        .post('/api/auth/login')
        .send({ email: adminEnv.ADMIN_EMAIL, password: 'wrong, once' })
        .expect(401);
      fixtures = { ...fixtures, sessionId: created.body.sessionId as string };
    });

    afterAll(async () => {
      await limited?.close();
      await limitedDb?.drop();
    });

    it.each(
      LIMITED_CASES.map((testCase) => [keyOf(testCase), testCase] as const),
    )('%s', async (_, testCase) => check(limited, testCase));
  });
});

/** An admin, an agent and one more agent (who signs out), and two sessions with a message. */
async function makeFixtures(app: TestApp): Promise<Fixtures> {
  const { accessToken: adminToken, admin } = await login(app);
  const accounts = app.app.get(AdminAccountsService);
  const agent = await accounts.create({
    email: 'agent@example.com',
    name: 'Agent',
    role: 'agent',
  });
  const leaver = await accounts.create({
    email: 'leaver@example.com',
    name: 'Leaver',
    role: 'agent',
  });
  const newSession = async () =>
    (await request(app.url).post('/api/chat/session').send({}).expect(201)).body
      .sessionId as string;
  return {
    sessionId: await newSession(),
    doomedSessionId: await newSession(),
    adminToken,
    adminId: admin.id,
    agentToken: (await login(app, agent.admin.email, agent.password))
      .accessToken,
    agentId: agent.admin.id,
    leaverToken: (await login(app, leaver.admin.email, leaver.password))
      .accessToken,
  };
}
