import { Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import fc from 'fast-check';
import request, { type Response } from 'supertest';
import { maxPayloadBytes } from '../src/app.setup';
import { ErrorCode, httpStatusOf } from '../src/common/errors';
import { AdminEvent, AdminServerEvent } from '../src/realtime/admin.events';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';
import { FakeAiProvider } from './fakes/fake-ai-provider';
import { fastAiRetries } from './utils/ai';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  adminEnv,
  connectAdmin,
  login,
} from './utils/admin';
import {
  ack,
  ackOk,
  closeAll,
  connect,
  nextEvent,
  rawAck,
  type TestSocket,
} from './utils/sockets';
import { raisedLimits } from './utils/limits';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

const RUNS = 300;
const MAX_LENGTH = 100;
/** The fake provider refuses the first key and echoes it back in its 401, as OpenAI does. */
const AI_KEYS = [
  'sk-fuzz-secret-refused-0123456789abcdef',
  'sk-fuzz-secret-accepted-0123456789abcdef',
];
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const BIGINT_MAX = 2n ** 63n - 1n;
const ERROR_CODES = new Set<string>(Object.values(ErrorCode));
/** What a raw error or a stack trace leaves in a text. */
const LEAK_MARKERS = [
  /\n\s+at /,
  /node_modules/,
  /\.[jt]s:\d+/,
  /Error: /,
  /prisma/i,
];
/** Names socket.io-client refuses to emit. */
const RESERVED_EVENTS = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);
const CONTRACT_ROUTES = [
  'post /api/chat/session',
  'post /api/chat/message',
  'get /api/chat/messages/{sessionId}',
  'post /api/auth/login',
  'get /api/auth/me',
  'get /api/admin/sessions',
  'get /api/admin/sessions/{sessionId}',
  'patch /api/admin/sessions/{sessionId}',
  'delete /api/admin/sessions/{sessionId}',
  'get /api/admin/sessions/{sessionId}/export',
  'get /health',
  'get /health/ready',
];
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The fields each event takes, for payloads close enough to valid to get past the first checks. */
const WIDGET_FIELDS: Record<string, readonly string[]> = {
  [WidgetEvent.InitSession]: ['sessionId'],
  [WidgetEvent.UserMessage]: ['sessionId', 'content', 'clientMessageId'],
  [WidgetEvent.Sync]: ['sessionId', 'after', 'limit'],
  [WidgetEvent.Typing]: ['sessionId', 'isTyping'],
  [WidgetEvent.MarkRead]: ['sessionId', 'upTo'],
  [WidgetEvent.RequestHuman]: ['sessionId'],
};
const ADMIN_FIELDS: Record<string, readonly string[]> = {
  [AdminEvent.AdminConnect]: [],
  [AdminEvent.GetSessions]: [],
  [AdminEvent.GetAllSessions]: ['status', 'q', 'cursor', 'limit'],
  [AdminEvent.GetMessages]: ['sessionId', 'before', 'after', 'limit'],
  [AdminEvent.JoinSession]: ['sessionId'],
  [AdminEvent.LeaveSession]: ['sessionId'],
  [AdminEvent.AdminMessage]: ['sessionId', 'content', 'clientMessageId'],
  [AdminEvent.ToggleAiMode]: ['sessionId', 'enabled'],
  [AdminEvent.Typing]: ['sessionId', 'isTyping'],
  [AdminEvent.MarkRead]: ['sessionId', 'upTo'],
  [AdminEvent.ResolveSession]: ['sessionId'],
  [AdminEvent.ReopenSession]: ['sessionId'],
  [AdminEvent.AssignSession]: ['sessionId', 'adminId'],
};

type Method = (typeof METHODS)[number];
type Fields = Record<string, fc.Arbitrary<unknown>>;

interface SocketCall {
  /** Socket.IO carries numeric event names too. */
  event: string | number;
  args: unknown[];
  withAck: boolean;
}

interface HttpCall {
  method: Method;
  /** Path and query, as sent. */
  url: string;
  body?: { contentType: string; raw: string; encoding?: string };
  headers: Record<string, string>;
}

/** One route of the OpenAPI document the app serves. */
interface Route {
  method: Method;
  /** OpenAPI template, e.g. `/api/chat/messages/{sessionId}`. */
  path: string;
  query: string[];
  body: string[] | null;
}

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, { properties?: object }> };
}

const junk = fc.jsonValue({ maxDepth: 3 });

/** Any code point, with a bias towards those that trip parsers, encoders and databases. */
const character = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  },
  fc.constantFrom(
    '\u0000',
    '\ud800',
    '\udfff',
    '\u202e',
    '\ufeff',
    '\n',
    ' ',
    '%',
    '_',
    '\\',
    "'",
    '"',
    '😀',
  ),
);
const text = fc.oneof(
  fc.string({ unit: character }),
  fc.string({
    unit: character,
    minLength: MAX_LENGTH - 2,
    maxLength: MAX_LENGTH + 2,
  }),
  fc.string({ unit: character, maxLength: 4 * MAX_LENGTH, size: 'max' }),
  fc.constantFrom(
    '',
    '   ',
    '\t\n',
    'x'.repeat(MAX_LENGTH),
    ` ${'é'.repeat(MAX_LENGTH)} `,
  ),
);
const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 120 });
/** Text a person might type, within the length limit or just over it. */
const words = fc.string({
  unit: 'grapheme-composite',
  minLength: 1,
  maxLength: MAX_LENGTH + 1,
});

/** Mostly a valid value, otherwise an odd one: enough valid fields for calls to get deep. */
function mostly(
  valid: fc.Arbitrary<unknown>,
  ...odd: fc.Arbitrary<unknown>[]
): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3 * odd.length, arbitrary: valid }, ...odd);
}

const messageId = mostly(
  fc.oneof(
    fc.nat({ max: 2000 }).map(String),
    fc.nat({ max: 2000 }),
    fc.bigInt({ min: BIGINT_MAX - 2n, max: 10n ** 19n - 1n }).map(String),
  ),
  fc.integer({ min: -1000, max: 0 }),
  fc.double(),
  fc.constantFrom(
    '0',
    '-1',
    '1.5',
    '01',
    '1e3',
    '+1',
    ' 1',
    '10000000000000000000',
  ),
  text,
);
const limit = mostly(
  fc.integer({ min: 1, max: 200 }),
  fc.integer({ min: -5, max: 250 }).map(String),
  fc.double(),
  fc.constantFrom(0, 201, '', 'NaN', '1e2', '0x10', ' 5 '),
  junk,
);
const bool = mostly(fc.boolean(), fc.constantFrom('true', 0, 1, null), junk);
/** Looks like a nextCursor (base64url of `<time>|<session id>`), with any time JavaScript can hold. */
const cursor = mostly(
  fc
    .tuple(
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc.date({
            min: new Date('2000-01-01T00:00:00Z'),
            max: new Date('2100-01-01T00:00:00Z'),
            noInvalidDate: true,
          }),
        },
        fc.date({ noInvalidDate: true }),
        fc.constantFrom(
          new Date(-8.64e15),
          new Date(8.64e15),
          new Date('0000-01-01T00:00:00Z'),
          new Date('9999-12-31T23:59:59.999Z'),
        ),
      ),
      fc.oneof(
        { weight: 6, arbitrary: fc.uuid() },
        fc.constantFrom('-'.repeat(36), `${'f'.repeat(35)}-`),
        printable,
      ),
    )
    .map(([at, id]) =>
      Buffer.from(`${at.toISOString()}|${id}`).toString('base64url'),
    ),
  text,
  junk,
);
/** Nesting deep enough to exhaust a recursive walker, shown by its depth in a counterexample. */
function nested(depth: number, kind: 'arrays' | 'objects'): unknown {
  const [open, innermost, close] =
    kind === 'arrays' ? ['[', '', ']'] : ['{"a":', '{}', '}'];
  const value = JSON.parse(
    `${open.repeat(depth)}${innermost}${close.repeat(depth)}`,
  ) as object;
  return Object.assign(value, {
    [fc.toStringMethod]: () => `<${depth} nested ${kind}>`,
  });
}

/** Payloads built to hurt: prototype keys for the JSON parser and class-transformer, deep nesting for recursion. */
const hostile = fc.oneof(
  fc.constantFrom(
    JSON.parse('{"__proto__":{"ok":false,"sessionId":"x"}}') as unknown,
    JSON.parse('{"constructor":{"prototype":{"isAdmin":true}}}') as unknown,
    JSON.parse('{"sessionId":{"__proto__":{"length":1}}}') as unknown,
  ),
  fc
    .integer({ min: 100, max: 2000 })
    .map((depth) => ({ sessionId: nested(depth, 'objects') })),
  fc
    .integer({ min: 100, max: 3000 })
    .map((depth) => ({ content: nested(depth, 'arrays') })),
);
const binary = fc
  .uint8Array({ maxLength: 64 })
  .map((bytes) => Buffer.from(bytes));
/** Path segments that trip URL decoding and routing. */
const rawSegment = fc.constantFrom(
  '',
  '%',
  '%zz',
  '%00',
  '%ED%A0%80',
  '.',
  '..',
  '%2e%2e',
  '%2F',
  ';',
  '*',
  ':sessionId',
  '{sessionId}',
);

/**
 * Realistic values of every field a payload, body or query carries: the caller's own sessions mostly,
 * sessions of others, the signed-in admin, and odd values of every kind.
 */
function fieldArbitraries(known: {
  own: string[];
  others: string[];
  adminId: string;
}): Fields {
  const own = fc.constantFrom(...known.own);
  const adminId = mostly(
    fc.constant(known.adminId),
    fc.uuid(),
    fc.constantFrom(null, NIL_UUID, ...known.own),
    junk,
  );
  return {
    sessionId: mostly(
      own,
      own.map((id) => id.toUpperCase()),
      fc.uuid(),
      fc.constantFrom(NIL_UUID, '', null, known.adminId, ...known.others),
      text,
      junk,
    ),
    id: adminId,
    adminId,
    assignedAdminId: adminId,
    content: mostly(words, text, junk),
    clientMessageId: mostly(
      fc.oneof(fc.uuid(), fc.constantFrom('retry-1', 'retry-2')),
      printable,
      fc.string({ unit: 'grapheme-ascii', minLength: 99, maxLength: 102 }),
      fc.constantFrom(null, ''),
      text,
      junk,
    ),
    sender: mostly(
      fc.constantFrom('user', 'admin'),
      fc.constantFrom('ai', 'system', 'USER'),
      junk,
    ),
    after: messageId,
    before: messageId,
    upTo: messageId,
    limit,
    isTyping: bool,
    enabled: bool,
    aiEnabled: bool,
    disabled: bool,
    status: mostly(
      fc.constantFrom('open', 'resolved'),
      fc.constantFrom('OPEN', 'closed', ''),
      junk,
    ),
    role: mostly(fc.constantFrom('admin', 'agent'), printable, junk),
    q: mostly(words, fc.constantFrom('%', '_', '\\', '%_\\%', ''), text, junk),
    cursor,
    email: mostly(
      fc.oneof(
        fc.constantFrom(ADMIN_EMAIL, ADMIN_EMAIL.toUpperCase()),
        fc.emailAddress(),
      ),
      text,
      junk,
    ),
    password: mostly(printable, text, junk),
    name: mostly(words, text, junk),
    userAgent: mostly(words, text, junk),
    ipAddress: mostly(fc.oneof(fc.ipV4(), fc.ipV6()), text, junk),
  };
}

/** An object of (some of) these fields, now and then with a stranger among them. */
function nearValid(
  fields: Fields,
  names: readonly string[],
): fc.Arbitrary<Record<string, unknown>> {
  const model = Object.fromEntries(
    names.map((name) => [name, fields[name] ?? junk]),
  );
  const stranger = fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    fc.dictionary(fc.string(), junk, { minKeys: 1, maxKeys: 2 }),
  );
  return fc
    .tuple(
      fc.oneof(
        { weight: 3, arbitrary: fc.record(model) },
        fc.record(model, { requiredKeys: [] }),
      ),
      stranger,
    )
    .map(([valid, extra]) => ({ ...extra, ...valid }));
}

/** A batch of events sent at once: this namespace's (mostly), the other one's, and names nobody serves. */
function socketCalls(
  fields: Fields,
  served: Record<string, readonly string[]>,
  otherNamespace: Record<string, readonly string[]>,
): fc.Arbitrary<SocketCall[]> {
  const event = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...Object.keys(served)) },
    fc.constantFrom(...Object.keys(otherNamespace)),
    fc.string().filter((name) => !RESERVED_EVENTS.has(name)),
    fc.constantFrom('error', 'message', '__proto__', 'constructor', 'toString'),
    fc.integer(),
  );
  const call = event.chain((name) => {
    const payload = nearValid(
      fields,
      typeof name === 'string' && Object.hasOwn(served, name)
        ? served[name]
        : Object.values(served).flat(),
    );
    return fc.record({
      event: fc.constant(name),
      args: fc.oneof(
        { weight: 8, arbitrary: payload.map((value) => [value]) },
        { weight: 2, arbitrary: junk.map((value) => [value]) },
        hostile.map((value) => [value]),
        binary.map((value) => [value]),
        fc
          .tuple(payload, binary)
          .map(([value, bytes]) => [{ ...value, content: bytes }]),
        fc.constant<unknown[]>([]),
        fc.tuple(payload, junk),
        fc.tuple(junk, payload, junk),
      ),
      withAck: fc.oneof(
        { weight: 7, arbitrary: fc.constant(true) },
        fc.constant(false),
      ),
    });
  });
  return fc.array(call, { minLength: 1, maxLength: 4 });
}

/** `encodeURIComponent` refuses lone surrogates; a client's URL library would send U+FFFD. */
function encodeSegment(value: unknown): string {
  const raw = typeof value === 'string' ? value : JSON.stringify(value);
  return encodeURIComponent(raw.replace(/[\ud800-\udfff]/gu, '\ufffd'));
}

function toQueryString(values: Record<string, unknown>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      query.append(key, typeof item === 'string' ? item : JSON.stringify(item));
    }
  }
  return query.toString();
}

function asJson(value: unknown): HttpCall['body'] {
  return { contentType: 'application/json', raw: JSON.stringify(value) };
}

function httpCalls(
  fields: Fields,
  routes: Route[],
  authorizations: string[],
  bodyLimit: number,
): fc.Arbitrary<HttpCall> {
  const unknownRoute = fc
    .tuple(
      fc.constantFrom(...METHODS),
      fc.constantFrom('', '/api', '/api/chat', '/api/admin', '/health'),
      fc.array(fc.oneof(rawSegment, printable.map(encodeSegment)), {
        minLength: 1,
        maxLength: 3,
      }),
    )
    .map(([method, prefix, segments]): Route => ({
      method,
      path: [prefix, ...segments].join('/'),
      query: [],
      body: null,
    }));
  const route = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...routes) },
    unknownRoute,
  );
  const [signedIn, ...oddAuthorizations] = authorizations;
  const headers = fc
    .record({
      authorization: mostly(
        fc.constant(signedIn),
        fc.constant(undefined),
        fc.constantFrom(...oddAuthorizations),
        printable,
      ),
      origin: fc.oneof(
        { weight: 12, arbitrary: fc.constant(undefined) },
        fc.constantFrom('https://evil.example.net', 'null'),
      ),
    })
    .map((values) =>
      Object.fromEntries(
        Object.entries(values).filter(
          (entry): entry is [string, string] => entry[1] !== undefined,
        ),
      ),
    );
  return route.chain((chosen) => {
    const names = chosen.path.match(/(?<=\{)\w+(?=\})/g) ?? [];
    const path = fc
      .tuple(
        ...names.map((name) =>
          fc.oneof(
            { weight: 5, arbitrary: (fields[name] ?? junk).map(encodeSegment) },
            rawSegment,
          ),
        ),
      )
      .map((segments) =>
        segments.reduce<string>(
          (filled, segment, index) =>
            filled.replace(`{${names[index]}}`, segment),
          chosen.path,
        ),
      );
    const query = fc.oneof(
      { weight: 2, arbitrary: fc.constant('') },
      {
        weight: 3,
        arbitrary: nearValid(fields, chosen.query).map(toQueryString),
      },
      fc.string({ unit: fc.constantFrom(...'az09&=%[]._~-+;,!'.split('')) }),
      fc.constantFrom(
        '__proto__=1',
        '__proto__[limit]=1',
        'constructor[prototype][x]=1',
        'limit=1&limit=2',
        'limit[]=1',
        'q[$gt]=',
        'status=open&status=resolved',
        'after=1&before=1',
      ),
    );
    const oddBody = fc.oneof(
      junk.map(asJson),
      hostile.map(asJson),
      fc.record(
        {
          contentType: fc.constantFrom(
            'application/json',
            'application/json; charset=utf-16',
            'application/json; charset=latin1',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/octet-stream',
            'junk',
          ),
          raw: fc.oneof(
            text,
            printable,
            junk.map((value) => JSON.stringify(value)),
          ),
          encoding: fc.constantFrom('gzip', 'deflate', 'br', 'x-junk'),
        },
        { requiredKeys: ['contentType', 'raw'] },
      ),
      fc
        .integer({ min: 1, max: 3 })
        .map((times) => asJson({ content: 'x'.repeat(times * bodyLimit) })),
    );
    const body = chosen.body
      ? fc.oneof(
          {
            weight: 6,
            arbitrary: nearValid(fields, chosen.body).map(asJson),
          },
          fc.constant(undefined),
          { weight: 2, arbitrary: oddBody },
        )
      : fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, oddBody);
    return fc.record({
      method: fc.oneof(
        { weight: 8, arbitrary: fc.constant(chosen.method) },
        fc.constantFrom(...METHODS),
      ),
      url: fc.tuple(path, query).map(([p, q]) => (q === '' ? p : `${p}?${q}`)),
      body,
      headers,
    });
  });
}

/** Every route the app documents, with the query parameters and body fields it takes. */
async function documentedRoutes(url: string): Promise<Route[]> {
  const document = (await request(url).get('/api/docs-json').expect(200))
    .body as OpenApiDocument;
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]): Route => {
      const schema = Object.values(operation.requestBody?.content ?? {})[0]
        ?.schema.$ref.split('/')
        .at(-1);
      return {
        method: method as Method,
        path,
        query: (operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => parameter.name),
        body: schema
          ? Object.keys(document.components.schemas[schema].properties ?? {})
          : null,
      };
    }),
  );
}

describe('Junk thrown at every event and route', () => {
  let db: TestDatabase;
  let server: TestApp;
  let fake: FakeAiProvider;
  let secrets: string[];
  let token: string;
  let adminId: string;
  let widget: TestSocket;
  let admin: TestSocket;
  let widgetSessionId: string;
  let restSessionId: string;
  /** Everything the fuzzed sockets received besides acks. */
  const received: { event: string; args: unknown[] }[] = [];
  /** Every string any request carried, which answers may echo. */
  const sentStrings = new Set<string>();
  let errorLog: jest.SpyInstance;

  beforeAll(async () => {
    errorLog = jest
      .spyOn(Logger.prototype, 'error')
      .mockImplementation(() => undefined);
    fake = await FakeAiProvider.start();
    fake.rejectKey(AI_KEYS[0]);
    db = await createTestDatabase();
    server = await startApp(
      {
        ...db.env,
        ...adminEnv,
        AI_API_KEYS: AI_KEYS.join(','),
        AI_BASE_URL: fake.url,
        AI_MAX_RETRIES: '1',
        AI_TIMEOUT_MS: '500',
        MESSAGE_MAX_LENGTH: String(MAX_LENGTH),
        ...raisedLimits,
        LOGIN_MAX_ATTEMPTS: '1000',
      },
      {
        override: fastAiRetries,
      },
    );
    secrets = [
      adminEnv.JWT_SECRET,
      ADMIN_PASSWORD,
      ...AI_KEYS,
      ...(db.env.DATABASE_URL ? [db.env.DATABASE_URL] : []),
    ];
    const session = await login(server);
    token = session.accessToken;
    adminId = session.admin.id;
    widget = await connect(server.url);
    widgetSessionId = (await ackOk(widget, WidgetEvent.InitSession, {}))
      .sessionId;
    admin = await connectAdmin(server, token);
    for (const socket of [widget, admin]) {
      socket.onAny((event: string, ...args: unknown[]) =>
        received.push({ event, args }),
      );
    }
    restSessionId = (
      await request(server.url).post('/api/chat/session').send({}).expect(201)
    ).body.sessionId;
  });

  afterAll(async () => {
    closeAll();
    await server?.close();
    await fake?.close();
    await db?.drop();
    errorLog?.mockRestore();
  });

  function remember(sent: unknown): void {
    for (const echo of stringsOf(sent)) sentStrings.add(echo);
  }

  /** Every string in a value, keys included. */
  function stringsOf(value: unknown, found: string[] = []): string[] {
    if (typeof value === 'string') found.push(value);
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        found.push(key);
        stringsOf(item, found);
      }
    }
    return found;
  }

  /**
   * No secret anywhere, and no trace of a raw error except inside text some request carried: answers echo
   * field names, event names and paths, and messages stored by earlier requests.
   */
  function expectNoLeak(answer: unknown): void {
    const text = JSON.stringify(answer) ?? '';
    if (secrets.some((secret) => text.includes(secret))) {
      throw new Error(`An answer contains a configured secret: ${text}`);
    }
    for (const value of stringsOf(answer)) {
      if (!LEAK_MARKERS.some((pattern) => pattern.test(value))) continue;
      const echoes = [...sentStrings];
      if (echoes.some((echo) => echo.includes(value))) continue;
      const own = echoes
        .filter((echo) => echo.length >= 3)
        .reduce((rest, echo) => rest.replaceAll(echo, ' '), value);
      const marker = LEAK_MARKERS.find((pattern) => pattern.test(own));
      if (marker) {
        throw new Error(
          `An answer looks like a raw error (${marker}): ${text}`,
        );
      }
    }
  }

  function expectCodedError(error: unknown, answer: unknown): void {
    const { code, message, ...rest } = (error ?? {}) as Record<string, unknown>;
    const coded =
      typeof code === 'string' &&
      ERROR_CODES.has(code) &&
      typeof message === 'string' &&
      message.length > 0 &&
      Object.keys(rest).every((key) => key === 'details');
    if (!coded) throw new Error(`Not a coded error: ${JSON.stringify(answer)}`);
    // Junk is the client's fault: INTERNAL means something threw that nothing expected.
    if (code === ErrorCode.INTERNAL) {
      throw new Error(`Junk caused INTERNAL: ${JSON.stringify(answer)}`);
    }
  }

  function expectAck(reply: unknown): void {
    const { ok, error, ...data } = (reply ?? {}) as Record<string, unknown>;
    if (ok === true && error === undefined) return;
    if (ok !== false || Object.keys(data).length > 0) {
      throw new Error(`Not an ack: ${JSON.stringify(reply)}`);
    }
    expectCodedError(error, reply);
  }

  function expectHttpAnswer(response: Response): void {
    const body: unknown = response.type.includes('json')
      ? response.body
      : response.text;
    expectNoLeak({ headers: response.headers, body });
    if (response.status >= 200 && response.status < 300) return;
    const { statusCode, ...error } = (body ?? {}) as Record<string, unknown>;
    expectCodedError(error, body);
    if (
      statusCode !== response.status ||
      httpStatusOf(error.code as ErrorCode) !== response.status
    ) {
      throw new Error(`${response.status} answered ${JSON.stringify(body)}`);
    }
  }

  async function emit(
    socket: TestSocket,
    { event, args, withAck }: SocketCall,
  ): Promise<void> {
    remember([event, args]);
    if (!withAck) {
      socket.emit(event as string, ...args);
      return;
    }
    const reply: unknown = await rawAck(socket, event as string, ...args);
    expectAck(reply);
    expectNoLeak(reply);
  }

  async function call({ method, url, body, headers }: HttpCall) {
    let pending = request(server.url)[method](url).set(headers);
    if (body) {
      pending = pending.set('Content-Type', body.contentType);
      if (body.encoding)
        pending = pending.set('Content-Encoding', body.encoding);
      pending = pending.send(body.raw);
    }
    remember([url, body?.raw ?? '', headers]);
    for (const segment of url.split(/[/?&=]/)) {
      try {
        remember(decodeURIComponent(segment.replaceAll('+', ' ')));
      } catch {
        // Not decodable: the server cannot echo it decoded either.
      }
    }
    if (body?.contentType.includes('json')) {
      try {
        remember(JSON.parse(body.raw));
      } catch {
        // Not JSON: only the raw text can come back.
      }
    }
    expectHttpAnswer(await pending);
  }

  /** Tokens this server did not sign for a current agent, or that were tampered with. */
  function foreignTokens(): string[] {
    const jwt = new JwtService({ secret: adminEnv.JWT_SECRET });
    const part = (value: object) =>
      Buffer.from(JSON.stringify(value)).toString('base64url');
    return [
      token.slice(0, -2),
      new JwtService({ secret: 'f'.repeat(40) }).sign({ sub: adminId }),
      jwt.sign({ sub: adminId }, { expiresIn: -10 }),
      jwt.sign({ sub: NIL_UUID }),
      `${part({ alg: 'none' })}.${part({ sub: adminId })}.`,
    ];
  }

  /** Agents and REST callers may name any session. */
  function agentFields(): Fields {
    return fieldArbitraries({
      own: [widgetSessionId, restSessionId],
      others: [],
      adminId,
    });
  }

  function fuzzSocket(
    socket: TestSocket,
    calls: fc.Arbitrary<SocketCall[]>,
  ): Promise<void> {
    return fc.assert(
      fc.asyncProperty(calls, async (batch) => {
        await Promise.all(batch.map((one) => emit(socket, one)));
      }),
      { numRuns: RUNS },
    );
  }

  it('answers every widget event, and every other name, with one coded ack', async () => {
    const fields = fieldArbitraries({
      own: [widgetSessionId],
      others: [restSessionId],
      adminId,
    });
    await fuzzSocket(widget, socketCalls(fields, WIDGET_FIELDS, ADMIN_FIELDS));
    expect(widget.connected).toBe(true);
  });

  it('answers every admin event, and every other name, with one coded ack', async () => {
    await fuzzSocket(
      admin,
      socketCalls(agentFields(), ADMIN_FIELDS, WIDGET_FIELDS),
    );
    expect(admin.connected).toBe(true);
  });

  it('refuses every junk handshake on /admin with UNAUTHORIZED', async () => {
    const auth = fc.oneof(
      fc.record({
        token: fc.oneof(fc.constantFrom(...foreignTokens()), printable, junk),
      }),
      fc.dictionary(fc.string(), junk, { maxKeys: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(auth, async (sent) => {
        const refused = await connect(server.url, {
          namespace: '/admin',
          auth: sent,
        }).then(
          () => new Error('connected'),
          (error: Error) => error,
        );
        expect(refused.message).toBe(ErrorCode.UNAUTHORIZED);
      }),
      { numRuns: RUNS / 6 },
    );
  });

  it('answers every route, and unknown ones, with a success or a coded error', async () => {
    const documented = await documentedRoutes(server.url);
    expect(documented.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(CONTRACT_ROUTES),
    );
    // Signing out would end the sign-in this run uses and close the admin socket it watches (login.e2e-spec).
    const routes = documented.filter(
      (route) => `${route.method} ${route.path}` !== 'post /api/auth/logout',
    );
    const authorizations = [
      `Bearer ${token}`,
      'Bearer',
      'Bearer ',
      'Basic YWRtaW46YWRtaW4=',
      ...foreignTokens().map((foreign) => `Bearer ${foreign}`),
    ];
    await fc.assert(
      fc.asyncProperty(
        httpCalls(
          agentFields(),
          routes,
          authorizations,
          maxPayloadBytes(server.settings),
        ),
        call,
      ),
      { numRuns: RUNS },
    );
  });

  it('is alive and serving afterwards, and leaked nothing on the side', async () => {
    const health = await request(server.url).get('/health').expect(200);
    expect(health.body).toEqual({ status: 'ok' });
    await request(server.url).get('/health/ready').expect(200);
    expect(widget.connected && admin.connected).toBe(true);

    const visitor = await connect(server.url);
    const init = await ackOk(visitor, WidgetEvent.InitSession, {});
    expect(init.ok).toBe(true);
    const answered = nextEvent(
      visitor,
      WidgetServerEvent.Message,
      (message: { sender: string }) => message.sender === 'ai',
    );
    const sent = await ack(visitor, WidgetEvent.UserMessage, {
      sessionId: init.sessionId,
      content: 'Still there?',
    });
    expect(sent).toMatchObject({
      ok: true,
      message: { sender: 'user', content: 'Still there?' },
    });
    // The refused key came back in the provider's 401; the reply came with the other one.
    expect(await answered).toMatchObject({ sessionId: init.sessionId });
    expect(fake.requests.map((made) => made.apiKey)).toContain(AI_KEYS[0]);
    // A provider error that repeats the key must not carry it on to the agents.
    fake.setDefault({
      type: 'status',
      status: 400,
      body: { error: { message: `Bad request for key ${AI_KEYS[1]}` } },
    });
    const alerted = nextEvent(
      admin,
      AdminServerEvent.AiError,
      (alert: { sessionId: string }) => alert.sessionId === init.sessionId,
    );
    await ack(visitor, WidgetEvent.UserMessage, {
      sessionId: init.sessionId,
      content: 'Anyone?',
    });
    await alerted;

    for (const { event, args } of received) {
      expectNoLeak(args);
      if (event === WidgetServerEvent.Error) {
        const [{ code, message }] = args as { code: string; message: string }[];
        expectCodedError({ code, message }, args);
      }
    }
    expect(errorLog.mock.calls.map(([line]) => String(line))).toEqual([]);
  });
});
