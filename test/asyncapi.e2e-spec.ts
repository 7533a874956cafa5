import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { JwtService } from '@nestjs/jwt';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { getMetadataStorage } from 'class-validator';
import request from 'supertest';
import { ErrorCode } from '../src/common/errors';
import { AdminEvent, AdminServerEvent } from '../src/realtime/admin.events';
import { ASYNCAPI_PATH, EVENT_DOCS } from '../src/realtime/asyncapi.document';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';
import { FakeAiProvider } from './fakes/fake-ai-provider';
import { fastAiRetries } from './utils/ai';
import { adminEnv, connectAdmin, login } from './utils/admin';
import {
  ack,
  closeAll,
  connect,
  nextEvent,
  type TestSocket,
} from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

type Json = Record<string, any>;

const sorted = (names: Iterable<string>) =>
  [...names].sort((a, b) => a.localeCompare(b));

/** The document's own references, pointed at the schema that holds its components in Ajv. */
function rebased(schema: Json): Json {
  return JSON.parse(
    JSON.stringify(schema).replaceAll(
      '"#/components/schemas/',
      '"asyncapi#/definitions/',
    ),
  ) as Json;
}

interface Seen {
  channel: 'widget' | 'admin';
  event: string;
  payload: unknown;
}

interface Acked {
  channel: 'widget' | 'admin';
  event: string;
  reply: unknown;
}

/** The document's messages by direction, as the names clients use on the wire. */
function eventNames(document: Json, channel: string, action: string) {
  return sorted(
    Object.values<Json>(document.operations)
      .filter(
        (operation) =>
          operation.action === action &&
          operation.channel.$ref === `#/channels/${channel}`,
      )
      .flatMap((operation) =>
        operation.messages.map(
          ({ $ref }: { $ref: string }) =>
            document.channels[channel].messages[$ref.split('/').pop()!].name,
        ),
      ),
  );
}

describe('AsyncAPI document', () => {
  let db: TestDatabase;
  let server: TestApp;
  let fake: FakeAiProvider;
  let document: Json;
  let ajv: Ajv;

  beforeAll(async () => {
    fake = await FakeAiProvider.start();
    db = await createTestDatabase();
    server = await startApp(
      {
        ...db.env,
        ...adminEnv,
        AI_API_KEYS: 'sk-test-asyncapi',
        AI_BASE_URL: fake.url,
        AI_MAX_RETRIES: '1',
      },
      {
        override: fastAiRetries,
      },
    );
    const response = await request(server.url).get(ASYNCAPI_PATH).expect(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    document = response.body as Json;
    ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
    addFormats(ajv);
    ajv.addSchema(
      rebased({ $id: 'asyncapi', definitions: document.components.schemas }),
    );
  });

  afterEach(() => closeAll());

  afterAll(async () => {
    await server?.close();
    await fake?.close();
    await db?.drop();
  });

  function validatorOf(schema: Json): ValidateFunction {
    return ajv.compile(rebased(schema));
  }

  it('is a valid AsyncAPI 3 document for the official parser', async () => {
    const diagnostics = await new Parser().validate(JSON.stringify(document));
    const problems = diagnostics
      .filter(({ severity }) => severity <= DiagnosticSeverity.Warning)
      .map(
        ({ code, message, path }) => `${path.join('.')}: ${code}: ${message}`,
      );
    expect(problems).toEqual([]);
    expect(document.asyncapi).toMatch(/^3\./);
    expect(
      Object.values<Json>(document.channels).map(({ address }) => address),
    ).toEqual(['/', '/admin']);
  });

  it.each([
    ['widget', 'receive', WidgetEvent],
    ['widget', 'send', WidgetServerEvent],
    ['admin', 'receive', AdminEvent],
    ['admin', 'send', AdminServerEvent],
  ])(
    'has exactly the %s events of the code that the server %ss',
    (channel, action, names) => {
      expect(eventNames(document, channel, action)).toEqual(
        sorted(Object.values(names)),
      );
    },
  );

  it('gives every client event a reply: its own success, or the refusal with an error code', () => {
    const refusal = document.components.schemas.AckFailure;
    expect(refusal.properties.error).toEqual({
      $ref: '#/components/schemas/AckError',
    });
    expect(sorted(document.components.schemas.ErrorCode.enum)).toEqual(
      sorted(Object.values(ErrorCode)),
    );
    for (const operation of Object.values<Json>(document.operations)) {
      if (operation.action !== 'receive') {
        expect(operation.reply).toBeUndefined();
        continue;
      }
      const replies = operation.reply.messages.map(
        ({ $ref }: { $ref: string }) => $ref.split('/').pop(),
      );
      expect(replies).toEqual([`${operation.title}.ack`, 'ack.error']);
    }
  });

  it('documents every field a client payload may carry, and only those', () => {
    for (const namespace of EVENT_DOCS) {
      for (const [event, { payload }] of Object.entries(namespace.client)) {
        if (payload === null || !('prototype' in payload)) continue;
        const validated = getMetadataStorage()
          .getTargetValidationMetadatas(payload, '', true, false)
          .map(({ propertyName }) => propertyName);
        const documented = Object.keys(
          document.components.schemas[payload.name].properties ?? {},
        );
        expect({ event, fields: sorted(new Set(documented)) }).toEqual({
          event,
          fields: sorted(new Set(validated)),
        });
      }
    }
  });

  it('describes the handshake of each namespace, and why an admin is refused', async () => {
    const widget = document.channels.widget['x-socketio-handshake'];
    const admin = document.channels.admin['x-socketio-handshake'];
    expect(Object.keys(widget.auth.properties)).toEqual(['protocol']);
    expect(admin.auth.required).toEqual(['token']);
    const refused = admin.connectErrors.find(
      ({ message }: Json) => message === ErrorCode.UNAUTHORIZED,
    );
    const dataMatches = validatorOf(refused.data);
    const { admin: account } = await login(server);
    const tokens = {
      missing: undefined,
      invalid: 'not-a-token',
      expired: server.app
        .get(JwtService)
        .sign({ sub: account.id }, { expiresIn: -10 }),
    };
    for (const [reason, token] of Object.entries(tokens)) {
      const error = (await connect(server.url, {
        namespace: '/admin',
        auth: token === undefined ? {} : { token },
      }).then(
        () => {
          throw new Error(`a ${reason} token was let in`);
        },
        (refusal: unknown) => refusal,
      )) as Error & { data?: unknown };
      expect(error.message).toBe(ErrorCode.UNAUTHORIZED);
      expect(error.data).toEqual({ reason });
      expect(dataMatches(error.data)).toBe(true);
    }
  });

  /**
   * Every event and ack of a conversation that uses every event of both namespaces, checked against the
   * document's schemas: what the server sends is what the document says, event by event.
   */
  it('matches every event and ack the server sends in a conversation that uses them all', async () => {
    const seen: Seen[] = [];
    const acked: Acked[] = [];
    const listen = (socket: TestSocket, channel: Seen['channel']) =>
      socket.onAny((event: string, payload: unknown) =>
        seen.push({ channel, event, payload }),
      );
    const send = async (
      socket: TestSocket,
      channel: Acked['channel'],
      event: Parameters<typeof ack>[1],
      payload?: unknown,
    ) => {
      const reply = await (payload === undefined
        ? ack(socket, event)
        : ack(socket, event, payload));
      acked.push({ channel, event, reply });
      return reply as Json;
    };
    const ok = async (...args: Parameters<typeof send>) => {
      const reply = await send(...args);
      expect({ event: args[2], reply }).toMatchObject({
        reply: { ok: true },
      });
      return reply;
    };

    const { accessToken, admin } = await login(server);
    const widget = await connect(server.url);
    listen(widget, 'widget');
    const agent = await connectAdmin(server, accessToken);
    listen(agent, 'admin');
    const bystander = await connectAdmin(server, accessToken);
    listen(bystander, 'admin');

    const init = await ok(widget, 'widget', WidgetEvent.InitSession, {});
    const sessionId = init.sessionId as string;
    const otherTab = await connect(server.url);
    listen(otherTab, 'widget');
    await ok(otherTab, 'widget', WidgetEvent.InitSession, { sessionId });

    await ok(agent, 'admin', AdminEvent.AdminConnect);
    await ok(agent, 'admin', AdminEvent.GetSessions);
    await ok(agent, 'admin', AdminEvent.GetAllSessions, { limit: 10 });
    await ok(agent, 'admin', AdminEvent.JoinSession, { sessionId });

    // The AI answers: ai_typing, message_delta and the committed reply reach the widget and the agent.
    const aiDone = nextEvent(
      agent,
      AdminServerEvent.AiTyping,
      (event) => !event.typing,
    );
    const first = await ok(widget, 'widget', WidgetEvent.UserMessage, {
      sessionId,
      content: 'Where is my order?',
      clientMessageId: 'asyncapi-1',
    });
    await aiDone;
    const firstId = (first.message as Json).id as string;

    const userTyping = nextEvent(agent, AdminServerEvent.UserTyping);
    await ok(widget, 'widget', WidgetEvent.Typing, {
      sessionId,
      isTyping: true,
    });
    await userTyping;
    const readByUser = nextEvent(agent, AdminServerEvent.MessagesRead);
    await ok(widget, 'widget', WidgetEvent.MarkRead, {
      sessionId,
      upTo: firstId,
    });
    await readByUser;
    await ok(widget, 'widget', WidgetEvent.Sync, { sessionId, after: firstId });

    await ok(agent, 'admin', AdminEvent.GetMessages, { sessionId, limit: 5 });
    const adminTyping = nextEvent(widget, WidgetServerEvent.AdminTyping);
    await ok(agent, 'admin', AdminEvent.Typing, { sessionId, isTyping: true });
    await adminTyping;
    const readByAdmin = nextEvent(widget, WidgetServerEvent.MessagesRead);
    await ok(agent, 'admin', AdminEvent.MarkRead, { sessionId });
    await readByAdmin;
    // An agent's reply pauses the AI: ai-mode-changed to the widget and every admin.
    const paused = nextEvent(widget, WidgetServerEvent.AiModeChanged);
    const replied = nextEvent(
      widget,
      WidgetServerEvent.Message,
      (message) => message.sender === 'admin',
    );
    await ok(agent, 'admin', AdminEvent.AdminMessage, {
      sessionId,
      content: 'Let me check.',
      clientMessageId: null,
    });
    await Promise.all([paused, replied]);

    const resolved = nextEvent(widget, WidgetServerEvent.SessionStatus);
    await ok(agent, 'admin', AdminEvent.ResolveSession, { sessionId });
    await resolved;
    const reopened = nextEvent(widget, WidgetServerEvent.SessionStatus);
    await ok(agent, 'admin', AdminEvent.ReopenSession, { sessionId });
    await reopened;
    await ok(agent, 'admin', AdminEvent.AssignSession, {
      sessionId,
      adminId: admin.id,
    });
    await ok(agent, 'admin', AdminEvent.AssignSession, {
      sessionId,
      adminId: null,
    });

    await ok(agent, 'admin', AdminEvent.ToggleAiMode, {
      sessionId,
      enabled: true,
    });
    const handedOver = nextEvent(bystander, AdminServerEvent.HandoffRequested);
    await ok(widget, 'widget', WidgetEvent.RequestHuman, { sessionId });
    await handedOver;

    // The provider fails every attempt: the agents get ai-error, then handoff-requested.
    fake.setDefault({ type: 'status', status: 500 });
    await ok(agent, 'admin', AdminEvent.ToggleAiMode, {
      sessionId,
      enabled: true,
    });
    const aiError = nextEvent(
      bystander,
      AdminServerEvent.AiError,
      undefined,
      15_000,
    );
    await ok(widget, 'widget', WidgetEvent.UserMessage, {
      sessionId,
      content: 'Hello?',
    });
    await aiError;
    await ok(agent, 'admin', AdminEvent.LeaveSession, { sessionId });

    // Refusals: acks with an error code, and `error` events for events sent without a callback.
    await send(widget, 'widget', WidgetEvent.UserMessage, {
      sessionId,
      content: '',
    });
    await send(agent, 'admin', AdminEvent.GetMessages, {
      sessionId: '0b6d4bd9-2a43-4a43-9d8f-2f1f6e1c1a11',
    });
    const widgetError = nextEvent(widget, WidgetServerEvent.Error);
    widget.emit(WidgetEvent.Typing, { sessionId: 'not-an-id', isTyping: true });
    await widgetError;
    const adminError = nextEvent(agent, AdminServerEvent.Error);
    agent.emit(AdminEvent.ResolveSession, {});
    await adminError;

    const problems: string[] = [];
    for (const { channel, event, payload } of seen) {
      const message = document.channels[channel].messages[event] as
        Json | undefined;
      if (!message?.payload) {
        problems.push(`${channel}: ${event} is not in the document`);
        continue;
      }
      const matches = validatorOf(message.payload);
      if (!matches(payload))
        problems.push(
          `${channel}: ${event}: ${ajv.errorsText(matches.errors)}`,
        );
    }
    for (const { channel, event, reply } of acked) {
      const { ok: succeeded } = reply as { ok: boolean };
      const expected = succeeded ? `${event}.ack` : 'ack.error';
      const matches = validatorOf(
        document.channels[channel].messages[expected].payload,
      );
      if (!matches(reply))
        problems.push(
          `${channel}: ${expected}: ${ajv.errorsText(matches.errors)}`,
        );
    }
    expect(problems).toEqual([]);

    const sent = (channel: string) =>
      sorted(
        new Set(
          seen
            .filter((item) => item.channel === channel)
            .map(({ event }) => event),
        ),
      );
    expect(sent('widget')).toEqual(eventNames(document, 'widget', 'send'));
    expect(sent('admin')).toEqual(eventNames(document, 'admin', 'send'));
    expect(acked.some(({ reply }) => !(reply as Json).ok)).toBe(true);
  });
});
