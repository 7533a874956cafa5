import type { INestApplication, Type } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AiFailureCode } from '../ai/ai-provider.client';
import type { AI_BUDGET_SPENT_CODE } from '../ai/ai.service';
import { TOKEN_REJECTIONS } from '../auth/auth.service';
import { type ErrorBody, ErrorCode, httpStatusOf } from '../common/errors';
import { MessagePageView, MessageView } from '../messages/dto/message.view';
import { SessionMessagePageDto } from '../messages/dto/message-page.dto';
import { SendMessageDto } from '../messages/dto/send-message.dto';
import { InitSessionDto } from '../sessions/dto/open-session.dto';
import {
  AssignSessionDto,
  ListSessionsQuery,
  SessionListView,
  ToggleAiModeDto,
} from '../sessions/dto/session-admin.dto';
import {
  AdminMarkReadDto,
  MarkReadDto,
  SessionIdParams,
  TypingDto,
} from '../sessions/dto/session-ref.dto';
import {
  InitSessionResult,
  SessionSummary,
} from '../sessions/dto/session.view';
import type { ClientEventSpec } from './ack';
import type { AdminClientEvents, AdminServerEvents } from './admin.events';
import {
  AckError,
  AI_ERROR_CODES,
  ERROR_CODE_SCHEMA,
  AiErrorEvent,
  AiModeChangedEvent,
  AiTypingEvent,
  LiveSessionsAck,
  MessageDeltaEvent,
  MessagesReadEvent,
  NewMessageEvent,
  SentMessageAck,
  SessionIdEvent,
  SessionStatusEvent,
  SessionUpdatedEvent,
  SocketErrorEvent,
  TypingEvent,
} from './dto/socket-events.view';
import type { WidgetClientEvents, WidgetServerEvents } from './widget.events';

/** Beside the Swagger UI (`/api/docs`), whose static files include no such name. */
export const ASYNCAPI_PATH = '/api/docs/asyncapi.json';

/** Where a type is described at run time: its class, `[Class]` for an array of it, null for no payload. */
type Described<T> = [T] extends [void]
  ? null
  : [T] extends [readonly (infer Item)[]]
    ? readonly [Type<Item>]
    : Type<T>;

/** The type a description stands for, to check it against the map both ways. */
type DescribedType<D> = D extends null
  ? void
  : D extends readonly [Type<infer Item>]
    ? Item[]
    : D extends Type<infer Instance>
      ? Instance
      : never;

interface ClientEventDoc<Payload, AckData> {
  summary: string;
  payload: Described<Payload>;
  /** null: the ack is `{ ok: true }` alone. */
  ack: [keyof AckData] extends [never] ? null : Type<AckData>;
}

type ClientEventDocs<Events> = {
  [E in keyof Events]: Events[E] extends ClientEventSpec<
    infer Payload,
    infer AckData
  >
    ? ClientEventDoc<Payload, AckData>
    : never;
};

type ServerEventDocs<Events> = {
  [E in keyof Events]: { summary: string; payload: Described<Events[E]> };
};

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Events whose described classes are not exactly the map's types (a class with extra fields, say). */
type Inexact<Docs, Events> = {
  [E in keyof Events & keyof Docs]: Events[E] extends ClientEventSpec<
    infer Payload,
    infer AckData
  >
    ? Docs[E] extends { payload: infer P; ack: infer A }
      ? Same<DescribedType<P>, Payload> extends true
        ? Same<A extends null ? object : DescribedType<A>, AckData> extends true
          ? never
          : E
        : E
      : E
    : Docs[E] extends { payload: infer P }
      ? Same<DescribedType<P>, Events[E]> extends true
        ? never
        : E
      : E;
}[keyof Events & keyof Docs];

/** Widget namespace `/`, client → server: the classes the gateway validates and answers with. */
const WIDGET_CLIENT_EVENTS = {
  init_session: {
    summary:
      "Binds this socket to a session (new, resumed, or created with the widget's own id); the latest 50 messages",
    payload: InitSessionDto,
    ack: InitSessionResult,
  },
  user_message: {
    summary:
      "The visitor's message; acked after commit, idempotent on clientMessageId",
    payload: SendMessageDto,
    ack: SentMessageAck,
  },
  sync: {
    summary: 'Catch-up after a reconnect: a page of messages, oldest first',
    payload: SessionMessagePageDto,
    ack: MessagePageView,
  },
  typing: {
    summary: 'The visitor is typing; joined admins get user-typing',
    payload: TypingDto,
    ack: null,
  },
  mark_read: {
    summary:
      'The visitor read up to a message; joined admins get messages-read',
    payload: MarkReadDto,
    ack: null,
  },
  request_human: {
    summary: "Asks for a person: the session's AI mode turns off",
    payload: SessionIdParams,
    ack: null,
  },
} satisfies ClientEventDocs<WidgetClientEvents>;

/** Widget namespace `/`, server → client. */
const WIDGET_SERVER_EVENTS = {
  session_init: {
    summary: "After each successful init_session of this socket (the seed's)",
    payload: SessionIdEvent,
  },
  message: {
    summary:
      "A message of the session committed by anyone but this socket. A socket of the seed's widget (see " +
      "EVENTS.md, Protocol versions) gets it with the seed's sender, createdAt and isAI",
    payload: MessageView,
  },
  message_delta: {
    summary: 'A chunk of an AI reply being streamed',
    payload: MessageDeltaEvent,
  },
  ai_typing: {
    summary: 'The AI started or stopped working on a reply',
    payload: AiTypingEvent,
  },
  'admin-typing': {
    summary: 'An agent is typing in this session',
    payload: TypingEvent,
  },
  'messages-read': {
    summary: "An agent read the session up to upTo (by: 'admin')",
    payload: MessagesReadEvent,
  },
  'ai-mode-changed': {
    summary: "The session's AI mode changed",
    payload: AiModeChangedEvent,
  },
  'session-status': {
    summary: 'The session was resolved or reopened',
    payload: SessionStatusEvent,
  },
  error: {
    summary: 'An event this socket sent without a callback failed',
    payload: SocketErrorEvent,
  },
} satisfies ServerEventDocs<WidgetServerEvents>;

/** Admin namespace `/admin`, client → server. */
const ADMIN_CLIENT_EVENTS = {
  'admin-connect': {
    summary:
      "Re-sends sessions-list (the seed's panels send it after connecting)",
    payload: null,
    ack: null,
  },
  'get-sessions': {
    summary: 'The live sessions, also emitted as sessions-list',
    payload: null,
    ack: LiveSessionsAck,
  },
  'get-all-sessions': {
    summary:
      'Every session, newest activity first, a page at a time; also emitted as all-sessions-list',
    payload: ListSessionsQuery,
    ack: SessionListView,
  },
  'get-messages': {
    summary: "A page of a session's messages; also emitted as messages-history",
    payload: SessionMessagePageDto,
    ack: MessagePageView,
  },
  'admin-join-session': {
    summary:
      "Joins the session's room: its message, typing, read and streaming events",
    payload: SessionIdParams,
    ack: null,
  },
  'admin-leave-session': {
    summary: "Leaves the session's room",
    payload: SessionIdParams,
    ack: null,
  },
  admin_message: {
    summary:
      "An agent's reply; acked after commit, idempotent on clientMessageId",
    payload: SendMessageDto,
    ack: SentMessageAck,
  },
  'toggle-ai-mode': {
    summary:
      "Saves the session's AI mode; UNAVAILABLE when turning it on without an AI key",
    payload: ToggleAiModeDto,
    ack: null,
  },
  typing: {
    summary: 'The agent is typing; the widget gets admin-typing',
    payload: TypingDto,
    ack: null,
  },
  'mark-read': {
    summary:
      'Marks the session read (by default up to its latest message); the widget gets messages-read',
    payload: AdminMarkReadDto,
    ack: null,
  },
  'resolve-session': {
    summary: 'Resolves the session; the widget gets session-status',
    payload: SessionIdParams,
    ack: null,
  },
  'reopen-session': {
    summary: 'Reopens the session; the widget gets session-status',
    payload: SessionIdParams,
    ack: null,
  },
  'assign-session': {
    summary: 'Assigns the session to an agent, or unassigns it (null)',
    payload: AssignSessionDto,
    ack: null,
  },
} satisfies ClientEventDocs<AdminClientEvents>;

/** Admin namespace `/admin`, server → client. */
const ADMIN_SERVER_EVENTS = {
  'sessions-list': {
    summary:
      'The live sessions: on connect, after admin-connect and get-sessions',
    payload: [SessionSummary],
  },
  'all-sessions-list': {
    summary: 'The page of get-all-sessions (a bare array, as in the seed)',
    payload: [SessionSummary],
  },
  'messages-history': {
    summary: 'The messages of get-messages (a bare array, as in the seed)',
    payload: [MessageView],
  },
  'new-message': {
    summary:
      'Every committed message of any session and sender, to every admin but its sender',
    payload: NewMessageEvent,
  },
  message: {
    summary:
      'A message of a joined session, to the joined admins but its sender',
    payload: MessageView,
  },
  message_delta: {
    summary: 'A chunk of an AI reply in a joined session',
    payload: MessageDeltaEvent,
  },
  ai_typing: {
    summary: 'The AI started or stopped working on a reply in a joined session',
    payload: AiTypingEvent,
  },
  'session-updated': {
    summary: "A session's summary changed",
    payload: SessionUpdatedEvent,
  },
  'ai-mode-changed': {
    summary: "A session's AI mode changed",
    payload: AiModeChangedEvent,
  },
  'user-typing': {
    summary: 'The visitor of a joined session is typing',
    payload: TypingEvent,
  },
  'messages-read': {
    summary: "The visitor of a joined session read up to upTo (by: 'user')",
    payload: MessagesReadEvent,
  },
  'handoff-requested': {
    summary:
      'A visitor asked for a person, or the AI failed or its budget is spent',
    payload: SessionIdEvent,
  },
  'ai-error': {
    summary:
      'An AI reply failed after its last attempt, or was not started because an AI budget is spent',
    payload: AiErrorEvent,
  },
  error: {
    summary: 'An event this socket sent without a callback failed',
    payload: SocketErrorEvent,
  },
} satisfies ServerEventDocs<AdminServerEvents>;

/** Compiles only when every class describes exactly its map's type; else names the first event that does not. */
type Exact<Docs, Events> = [Inexact<Docs, Events>] extends [never]
  ? true
  : Inexact<Docs, Events>;
const everyClassIsExact: [
  Exact<typeof WIDGET_CLIENT_EVENTS, WidgetClientEvents>,
  Exact<typeof WIDGET_SERVER_EVENTS, WidgetServerEvents>,
  Exact<typeof ADMIN_CLIENT_EVENTS, AdminClientEvents>,
  Exact<typeof ADMIN_SERVER_EVENTS, AdminServerEvents>,
] = [true, true, true, true];

/** Every code `ai-error` carries is listed; ABORTED never reaches agents (a person took over the session). */
type UnlistedAiCode = Exclude<
  Exclude<AiFailureCode, 'ABORTED'> | typeof AI_BUDGET_SPENT_CODE,
  (typeof AI_ERROR_CODES)[number]
>;
const everyAiCodeIsListed: [UnlistedAiCode] extends [never]
  ? true
  : UnlistedAiCode = true;
const ackErrorIsErrorBody: Same<AckError, ErrorBody> = true;
void [everyClassIsExact, everyAiCodeIsListed, ackErrorIsErrorBody];

type Schema = Record<string, unknown>;
type ClassDescription = null | Type<unknown> | readonly [Type<unknown>];

export interface Namespace {
  key: 'widget' | 'admin';
  address: '/' | '/admin';
  title: string;
  description: string;
  client: Record<
    string,
    { summary: string; payload: ClassDescription; ack: ClassDescription }
  >;
  server: Record<string, { summary: string; payload: ClassDescription }>;
  handshake: Schema;
  admin: boolean;
}

/** Both namespaces: their events, each with the classes that describe it, and their handshakes. */
export const EVENT_DOCS: readonly Namespace[] = [
  {
    key: 'widget',
    address: '/',
    title: 'Widget namespace',
    description:
      'A chat widget on a web page. The session id is the credential of the visitor: every event but init_session ' +
      'needs a session this socket initialised (else FORBIDDEN).',
    client: WIDGET_CLIENT_EVENTS,
    server: WIDGET_SERVER_EVENTS,
    admin: false,
    handshake: {
      auth: {
        type: 'object',
        properties: {
          protocol: {
            description:
              "The wire protocol the client speaks: declare 1 (this document). 0, '0' or 'seed' asks for the seed " +
              "widget's `message`, and so does declaring nothing from a browser (a socket with an Origin); any " +
              'other value is taken as 1',
            examples: [1],
          },
        },
      },
      query: {
        type: 'object',
        properties: {
          protocol: {
            description: 'The same as auth.protocol, when auth carries none',
            type: 'string',
          },
        },
      },
      connectErrors: [
        {
          message: 'RATE_LIMITED',
          description:
            'This address keeps too many widget connections open (MAX_CONNECTIONS_PER_IP)',
        },
      ],
    },
  },
  {
    key: 'admin',
    address: '/admin',
    title: 'Admin namespace',
    description:
      'The panel of the agents. Only signed-in agents connect; on every accepted connection the server emits sessions-list.',
    client: ADMIN_CLIENT_EVENTS,
    server: ADMIN_SERVER_EVENTS,
    admin: true,
    handshake: {
      auth: {
        type: 'object',
        properties: {
          token: {
            type: 'string',
            description: 'The accessToken of POST /api/auth/login',
          },
        },
        required: ['token'],
      },
      connectErrors: [
        {
          message: 'UNAUTHORIZED',
          description:
            'No valid token: the connection is refused before any event is sent; data.reason says why',
          data: {
            type: 'object',
            properties: { reason: { type: 'string', enum: TOKEN_REJECTIONS } },
            required: ['reason'],
          },
        },
      ],
    },
  },
];

const ref = (path: string) => ({ $ref: path });
const schemaRef = (name: string) => ref(`#/components/schemas/${name}`);

function classesOf(description: ClassDescription): Type<unknown>[] {
  if (description === null) return [];
  return 'prototype' in description ? [description] : [...description];
}

function schemaOf(description: ClassDescription): Schema | undefined {
  if (description === null) return undefined;
  return 'prototype' in description
    ? schemaRef(description.name)
    : { type: 'array', items: schemaRef(description[0].name) };
}

/**
 * OpenAPI 3.0's dialect, as @nestjs/swagger writes it, into the JSON Schema AsyncAPI reads:
 * `nullable` becomes a `null` type, `example` becomes `examples`.
 */
function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (value === null || typeof value !== 'object') return value;
  const { nullable, example, ...rest } = value as Schema;
  const schema: Schema = Object.fromEntries(
    Object.entries(rest).map(([key, item]) => [
      key,
      key === 'enum' || key === 'const' || key === 'examples'
        ? item
        : toJsonSchema(item),
    ]),
  );
  if (example !== undefined) schema.examples = [example];
  if (nullable !== true) return schema;
  if (typeof schema.type === 'string') {
    schema.type = [schema.type, 'null'];
    if (Array.isArray(schema.enum)) schema.enum = [...schema.enum, null];
    return schema;
  }
  return { oneOf: [schema, { type: 'null' }] };
}

/** The JSON schemas of these classes and of every class they name, built by Swagger from their decorators. */
function componentSchemas(
  app: INestApplication,
  classes: Type<unknown>[],
): Record<string, unknown> {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().build(),
    // No module's routes: only these classes.
    { include: [class NoRoutes {}], extraModels: classes },
  );
  return toJsonSchema(document.components?.schemas ?? {}) as Record<
    string,
    unknown
  >;
}

/**
 * The AsyncAPI 3 document of both Socket.IO namespaces, from the event maps' runtime descriptions above:
 * every event as a message, client → server events as the server's `receive` operations with the ack as
 * their reply, server → client events as `send` operations.
 */
export function buildAsyncApiDocument(app: INestApplication): Schema {
  const classes = EVENT_DOCS.flatMap((namespace) => [
    ...Object.values(namespace.client).flatMap((event) => [
      ...classesOf(event.payload),
      ...classesOf(event.ack),
    ]),
    ...Object.values(namespace.server).flatMap((event) =>
      classesOf(event.payload),
    ),
  ]);
  const schemas = componentSchemas(app, [...new Set([AckError, ...classes])]);
  schemas[ERROR_CODE_SCHEMA] = {
    ...(schemas[ERROR_CODE_SCHEMA] as Schema),
    description:
      'Every error, in acks, `error` events and REST bodies alike; over REST with the HTTP status ' +
      Object.values(ErrorCode)
        .map((code) => `${code} ${httpStatusOf(code)}`)
        .join(', '),
  };

  const channels: Schema = {};
  const operations: Schema = {};
  for (const namespace of EVENT_DOCS) {
    const channel = `#/channels/${namespace.key}`;
    const security = namespace.admin
      ? { security: [ref('#/components/securitySchemes/adminToken')] }
      : {};
    const messages: Schema = {
      'ack.error': {
        title: 'Refused ack',
        summary: 'The ack of a refused event: { ok: false, error }',
        payload: schemaRef('AckFailure'),
      },
    };
    for (const [event, doc] of Object.entries(namespace.client)) {
      messages[event] = {
        name: event,
        summary: doc.summary,
        ...(doc.payload && { payload: schemaOf(doc.payload) }),
      };
      messages[`${event}.ack`] = {
        title: `${event} ack`,
        summary: `The ack of a successful ${event}`,
        payload: doc.ack
          ? { allOf: [schemaRef('AckSuccess'), schemaOf(doc.ack)] }
          : schemaRef('AckSuccess'),
      };
      operations[`${namespace.key}.receive.${event}`] = {
        action: 'receive',
        channel: ref(channel),
        title: event,
        summary: doc.summary,
        messages: [ref(`${channel}/messages/${event}`)],
        reply: {
          channel: ref(channel),
          messages: [
            ref(`${channel}/messages/${event}.ack`),
            ref(`${channel}/messages/ack.error`),
          ],
        },
        ...security,
      };
    }
    for (const [event, doc] of Object.entries(namespace.server)) {
      if (event in messages)
        throw new Error(`${event} is sent both ways on ${namespace.address}`);
      messages[event] = {
        name: event,
        summary: doc.summary,
        payload: schemaOf(doc.payload),
      };
      operations[`${namespace.key}.send.${event}`] = {
        action: 'send',
        channel: ref(channel),
        title: event,
        summary: doc.summary,
        messages: [ref(`${channel}/messages/${event}`)],
        ...security,
      };
    }
    channels[namespace.key] = {
      address: namespace.address,
      title: namespace.title,
      description: namespace.description,
      messages,
      'x-socketio-handshake': namespace.handshake,
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Chat backend: real-time events',
      version: '1',
      description:
        'The Socket.IO side of the chat backend (socket.io 4). Each channel is a namespace; each message is an ' +
        'event, its name the event name. Operations are those of the server: it receives what clients emit and sends ' +
        'what they listen to. An event emitted with a callback gets exactly one ack, the reply of its operation: ' +
        '`{ ok: true, ...data }` or `{ ok: false, error: { code, message, details? } }`; one emitted without a ' +
        'callback that fails gets an `error` event instead. The handshake of each namespace (`auth`, ' +
        '`query`, and the `connect_error` messages it can refuse with) is under `x-socketio-handshake`. The ' +
        'readable reference, with every rule, is docs/EVENTS.md.',
    },
    defaultContentType: 'application/json',
    servers: {
      chat: {
        host: '{host}',
        protocol: 'ws',
        pathname: '/socket.io',
        title: 'The backend',
        description:
          'Socket.IO over WebSocket (or HTTP long-polling) at the origin of the backend, path /socket.io',
        variables: {
          host: {
            default: 'localhost:4000',
            description: 'Host and port of the backend',
          },
        },
      },
    },
    channels,
    operations,
    components: {
      schemas: {
        ...schemas,
        AckSuccess: {
          type: 'object',
          properties: { ok: { const: true } },
          required: ['ok'],
        },
        AckFailure: {
          type: 'object',
          properties: {
            ok: { const: false },
            error: schemaRef(AckError.name),
          },
          required: ['ok', 'error'],
          additionalProperties: false,
        },
      },
      securitySchemes: {
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'The accessToken of POST /api/auth/login, sent as `auth: { token }` in the Socket.IO handshake',
        },
      },
    },
  };
}

/** Serves the document beside the OpenAPI one; it is built once, at start-up. */
export function serveAsyncApiDocument(app: INestApplication): void {
  const document = buildAsyncApiDocument(app);
  app
    .getHttpAdapter()
    .get(ASYNCAPI_PATH, (_request: Request, response: Response) => {
      response.json(document);
    });
}
