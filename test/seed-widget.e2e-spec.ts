import { AI_UNAVAILABLE_MESSAGE } from '../src/ai/ai.service';
import type {
  MessagePageView,
  MessageView,
} from '../src/messages/dto/message.view';
import type { SeedMessageView } from '../src/messages/dto/seed-message.view';
import { AdminEvent, AdminServerEvent } from '../src/realtime/admin.events';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';
import type { InitSessionResult } from '../src/sessions/dto/session.view';
import { FakeAiProvider } from './fakes/fake-ai-provider';
import { fastAiRetries } from './utils/ai';
import { adminEnv, connectAdmin, login } from './utils/admin';
import {
  inRedisCorner,
  TEST_REDIS_URL,
  uniqueRedisKeyPrefix,
} from './utils/redis';
import {
  ack,
  closeAll,
  connect,
  nextEvent,
  record,
  type TestSocket,
} from './utils/sockets';
import { createTestDatabase, type TestDatabase } from './utils/test-database';
import { startApp, type TestApp } from './utils/test-app';

const SHOP_ORIGIN = 'https://shop.example.com';
const DASHBOARD_ORIGIN = 'https://support.example.com';
const AI_REPLY = 'Your parcel left the warehouse this morning.';
const AGENT_REPLY = 'A person here: it arrives today.';
const MESSAGE_VIEW_KEYS = [
  'adminId',
  'clientMessageId',
  'content',
  'id',
  'sender',
  'sessionId',
  'timestamp',
];

/** `message` as the seed's widget reads it, spelled out here rather than taken from the server's mapper. */
function seedShape<View extends { timestamp: string }>(
  view: View,
  sender: 'user' | 'admin' | 'bot',
  isAI: boolean,
) {
  return { ...view, sender, createdAt: view.timestamp, isAI };
}

/** Connects the way the seed's React widget does: WebSocket only, from a page, declaring nothing. */
function connectSeedWidget(url: string) {
  return connect(url, { extraHeaders: { origin: SHOP_ORIGIN } });
}

/** The shared helpers read `message` in the current contract's shape; a seed socket gets the seed's. */
function recordSeedMessages(socket: TestSocket): SeedMessageView[] {
  return record(
    socket,
    WidgetServerEvent.Message,
  ) as unknown[] as SeedMessageView[];
}

/** The data of an ack that must succeed. */
async function ackData<T>(
  socket: TestSocket,
  event: Parameters<typeof ack>[1],
  payload?: object,
): Promise<T> {
  const reply = (await (payload === undefined
    ? ack(socket, event)
    : ack(socket, event, payload))) as unknown as { ok: boolean } & T;
  expect(reply).toMatchObject({ ok: true });
  return reply;
}

describe("The seed's clients", () => {
  let db: TestDatabase;
  let server: TestApp;
  let fake: FakeAiProvider;

  beforeAll(async () => {
    fake = await FakeAiProvider.start();
    db = await createTestDatabase();
    server = await startApp(
      {
        ...db.env,
        ...adminEnv,
        CORS_ORIGINS: `${SHOP_ORIGIN},${DASHBOARD_ORIGIN}`,
        AI_API_KEYS: 'sk-test-seed',
        AI_BASE_URL: fake.url,
        AI_TIMEOUT_MS: '500',
        AI_MAX_RETRIES: '1',
      },
      {
        override: fastAiRetries,
      },
    );
  });

  afterEach(() => {
    closeAll();
    fake.reset();
  });

  afterAll(async () => {
    closeAll();
    await server?.close();
    await fake?.close();
    await db?.drop();
  });

  it("the seed's widget renders agent replies, AI replies and the failure notice; protocol 1 and scripts keep MessageView", async () => {
    const seed = await connectSeedWidget(server.url);
    const { sessionId } = await ackData<InitSessionResult>(
      seed,
      WidgetEvent.InitSession,
      {},
    );
    const declaredSeed = await connect(server.url, { auth: { protocol: 0 } });
    const current = await connect(server.url, {
      auth: { protocol: 1 },
      extraHeaders: { origin: SHOP_ORIGIN },
    });
    const script = await connect(server.url);
    for (const socket of [declaredSeed, current, script]) {
      await ackData(socket, WidgetEvent.InitSession, { sessionId });
    }
    const widgets = [seed, declaredSeed, current, script];
    const seedGot = recordSeedMessages(seed);
    const declaredSeedGot = recordSeedMessages(declaredSeed);
    const currentGot = record(current, WidgetServerEvent.Message);
    const scriptGot = record(script, WidgetServerEvent.Message);
    const seedErrors = record(seed, WidgetServerEvent.Error);
    const agent = await connectAdmin(server);
    const aiReplyDone = () =>
      Promise.all(
        widgets.map((socket) =>
          nextEvent(
            socket,
            WidgetServerEvent.AiTyping,
            (event) => !event.typing,
          ),
        ),
      );

    fake.setDefault({ type: 'reply', text: AI_REPLY });
    let done = aiReplyDone();
    seed.emit(WidgetEvent.UserMessage, {
      sessionId,
      content: 'Where is my parcel?',
    });
    await done;

    fake.setDefault({ type: 'status', status: 500 });
    done = aiReplyDone();
    seed.emit(WidgetEvent.UserMessage, { sessionId, content: 'Hello?' });
    await done;

    const agentReplyArrived = Promise.all(
      widgets.map((socket) =>
        nextEvent(
          socket,
          WidgetServerEvent.Message,
          (message) => message.content === AGENT_REPLY,
        ),
      ),
    );
    const sent = await ackData<{ message: MessageView }>(
      agent,
      AdminEvent.AdminMessage,
      { sessionId, content: AGENT_REPLY },
    );
    await agentReplyArrived;
    // Events reach a socket in the order they were sent: once this arrives, any duplicate would have too.
    const barrier = Promise.all(
      widgets.map((socket) => nextEvent(socket, WidgetServerEvent.AdminTyping)),
    );
    await ackData(agent, AdminEvent.Typing, { sessionId, isTyping: true });
    await barrier;

    const { messages: stored } = await ackData<MessagePageView>(
      script,
      WidgetEvent.Sync,
      { sessionId },
    );
    const [question, aiReply, hello, notice, agentReply] = stored;
    expect(stored.map(({ sender }) => sender)).toEqual([
      'user',
      'ai',
      'user',
      'system',
      'admin',
    ]);
    expect(aiReply.content).toBe(AI_REPLY);
    expect(notice.content).toBe(AI_UNAVAILABLE_MESSAGE);
    expect(agentReply).toStrictEqual(sent.message);

    expect(seedGot).toStrictEqual([
      seedShape(aiReply, 'bot', true),
      seedShape(notice, 'bot', false),
      seedShape(agentReply, 'admin', false),
    ]);
    for (const message of seedGot) {
      const createdAt = new Date(message.createdAt);
      expect(Number.isNaN(createdAt.getTime())).toBe(false);
      expect(createdAt.toISOString()).toBe(message.timestamp);
    }
    expect(seedErrors).toEqual([]);
    expect(declaredSeedGot).toStrictEqual([
      seedShape(question, 'user', false),
      seedShape(aiReply, 'bot', true),
      seedShape(hello, 'user', false),
      seedShape(notice, 'bot', false),
      seedShape(agentReply, 'admin', false),
    ]);
    for (const received of [currentGot, scriptGot]) {
      expect(received).toStrictEqual(stored);
      for (const message of received) {
        expect(Object.keys(message).sort()).toEqual(MESSAGE_VIEW_KEYS);
      }
    }
  });

  it("the seed dashboard's calls: refused on /, working on /admin with the six changes", async () => {
    const seedDashboard = await connect(server.url, {
      extraHeaders: { origin: DASHBOARD_ORIGIN },
    });
    const widget = await connectSeedWidget(server.url);
    const { sessionId } = await ackData<InitSessionResult>(
      widget,
      WidgetEvent.InitSession,
      {},
    );
    const seedCalls: [string, object?][] = [
      [AdminEvent.AdminConnect],
      [AdminEvent.GetSessions],
      [AdminEvent.JoinSession, { sessionId }],
      [AdminEvent.GetMessages, { sessionId }],
      [AdminEvent.AdminMessage, { sessionId, message: 'Hi from the seed' }],
      [AdminEvent.ToggleAiMode, { sessionId, enabled: false }],
    ];
    const leaked = [
      record(seedDashboard, AdminServerEvent.SessionsList),
      record(seedDashboard, AdminServerEvent.MessagesHistory),
      record(seedDashboard, WidgetServerEvent.Message),
    ];
    const refusals = seedCalls.map(([event]) =>
      nextEvent(
        seedDashboard,
        WidgetServerEvent.Error,
        (error) => error.event === event,
      ),
    );
    for (const [event, payload] of seedCalls)
      seedDashboard.emit(event, payload);
    for (const [index, refusal] of refusals.entries()) {
      expect(await refusal).toEqual({
        event: seedCalls[index][0],
        code: 'FORBIDDEN',
        message: expect.any(String),
      });
    }
    expect(await ack(seedDashboard, AdminEvent.GetSessions)).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(leaked.flat()).toEqual([]);
    await expect(
      connect(server.url, {
        namespace: '/admin',
        extraHeaders: { origin: DASHBOARD_ORIGIN },
      }),
    ).rejects.toThrow('UNAUTHORIZED');

    // 1. /admin with a token from POST /api/auth/login.
    const { accessToken, expiresIn } = await login(server);
    expect(expiresIn).toBeGreaterThan(0);
    const dashboard = await connect(server.url, {
      namespace: '/admin',
      auth: { token: accessToken },
      extraHeaders: { origin: DASHBOARD_ORIGIN },
    });
    const list = nextEvent(dashboard, AdminServerEvent.SessionsList);
    await ackData(dashboard, AdminEvent.AdminConnect);
    expect(
      (await list).find(
        (row: { sessionId: string }) => row.sessionId === sessionId,
      ),
    ).toMatchObject({
      sessionId,
      user: `User-${sessionId.slice(0, 8)}`,
      isActive: true,
      aiEnabled: true,
    });
    await ackData(dashboard, AdminEvent.JoinSession, { sessionId });

    // 2. The list is refreshed from session-updated, one summary at a time.
    const updated = nextEvent(
      dashboard,
      AdminServerEvent.SessionUpdated,
      ({ session }) => session.lastMessage === 'Can I change the address?',
    );
    const aiReplied = nextEvent(
      widget,
      WidgetServerEvent.Message,
      (message) => (message as unknown as SeedMessageView).isAI,
    );
    fake.setDefault({ type: 'reply', text: AI_REPLY });
    widget.emit(WidgetEvent.UserMessage, {
      sessionId,
      content: 'Can I change the address?',
    });
    expect((await updated).session).toEqual({
      sessionId,
      user: `User-${sessionId.slice(0, 8)}`,
      lastMessage: 'Can I change the address?',
      timestamp: expect.any(String),
      isActive: true,
      status: 'open',
      aiEnabled: true,
      unreadCount: 1,
      assignedAdminId: null,
    });
    expect(await aiReplied).toMatchObject({ content: AI_REPLY, sender: 'bot' });

    // 3. The agent's own reply comes back in the admin_message ack, not as a `message` echo.
    const messages = record(dashboard, AdminServerEvent.Message);
    const newMessages = record(dashboard, AdminServerEvent.NewMessage);
    const aiSwitchedOff = nextEvent(dashboard, AdminServerEvent.AiModeChanged);
    const replyListed = nextEvent(
      dashboard,
      AdminServerEvent.SessionUpdated,
      ({ session }) => session.lastMessage === 'Yes, tell me the new one.',
    );
    const widgetGotReply = nextEvent(
      widget,
      WidgetServerEvent.Message,
      (message) => message.sender === 'admin',
    );
    const { message: reply } = await ackData<{ message: MessageView }>(
      dashboard,
      AdminEvent.AdminMessage,
      { sessionId, content: 'Yes, tell me the new one.' },
    );
    expect(reply).toMatchObject({
      sessionId,
      sender: 'admin',
      content: 'Yes, tell me the new one.',
    });
    expect(await widgetGotReply).toMatchObject({ id: reply.id });
    // session-updated follows the message's fan-out, so an echo would have arrived first.
    const listedAfterReply = await replyListed;
    expect(messages.filter(({ id }) => id === reply.id)).toEqual([]);
    expect(
      newMessages.filter(({ message }) => message.id === reply.id),
    ).toEqual([]);

    // 4. The AI switch follows session.aiEnabled and ai-mode-changed (an agent's reply pauses the AI).
    expect(await aiSwitchedOff).toEqual({ sessionId, enabled: false });
    expect(listedAfterReply.session.aiEnabled).toBe(false);
    const aiSwitchedOn = nextEvent(dashboard, AdminServerEvent.AiModeChanged);
    await ackData(dashboard, AdminEvent.ToggleAiMode, {
      sessionId,
      enabled: true,
    });
    expect(await aiSwitchedOn).toEqual({ sessionId, enabled: true });

    // 5 and 6. get-messages answers messages-history (MessageView[]) and an ack with the page.
    const history = nextEvent(dashboard, AdminServerEvent.MessagesHistory);
    const page = await ackData<MessagePageView>(
      dashboard,
      AdminEvent.GetMessages,
      { sessionId },
    );
    expect(page).toEqual({
      ok: true,
      sessionId,
      messages: await history,
      hasMore: false,
    });
    expect(
      page.messages.map(({ sender, content }) => ({ sender, content })),
    ).toEqual([
      { sender: 'user', content: 'Can I change the address?' },
      { sender: 'ai', content: AI_REPLY },
      { sender: 'admin', content: 'Yes, tell me the new one.' },
    ]);
    for (const item of page.messages) {
      expect(Object.keys(item).sort()).toEqual(MESSAGE_VIEW_KEYS);
    }
  });
});

// Two instances need a database both reach: PostgreSQL (CI's second run); the embedded one is one process's.
const describeWithServer = process.env.TEST_DATABASE_URL
  ? describe
  : describe.skip;

describeWithServer(
  "The seed's widget across two instances on one Redis",
  () => {
    let db: TestDatabase;
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      db = await createTestDatabase();
      const keyPrefix = uniqueRedisKeyPrefix();
      const start = () =>
        startApp(
          {
            ...db.env,
            ...adminEnv,
            CORS_ORIGINS: SHOP_ORIGIN,
            REDIS_URL: TEST_REDIS_URL,
          },
          { override: inRedisCorner(keyPrefix, 1500) },
        );
      a = await start();
      b = await start();
    });

    afterAll(async () => {
      closeAll();
      await a?.close();
      await b?.close();
      await db?.drop();
    });

    it('gives each socket its own shape once, whichever instance it is on', async () => {
      const seedOnA = await connectSeedWidget(a.url);
      const { sessionId } = await ackData<InitSessionResult>(
        seedOnA,
        WidgetEvent.InitSession,
        {},
      );
      const seedOnB = await connectSeedWidget(b.url);
      const currentOnA = await connect(a.url, { auth: { protocol: 1 } });
      const scriptOnB = await connect(b.url);
      for (const socket of [seedOnB, currentOnA, scriptOnB]) {
        await ackData(socket, WidgetEvent.InitSession, { sessionId });
      }
      const widgets = [seedOnA, seedOnB, currentOnA, scriptOnB];
      const seedGot = [seedOnA, seedOnB].map(recordSeedMessages);
      const currentGot = [currentOnA, scriptOnB].map((socket) =>
        record(socket, WidgetServerEvent.Message),
      );
      const agentOnB = await connectAdmin(b);

      const { message } = await ackData<{ message: MessageView }>(
        agentOnB,
        AdminEvent.AdminMessage,
        { sessionId, content: AGENT_REPLY },
      );
      await Promise.all(
        widgets.map((socket) => nextEvent(socket, WidgetServerEvent.Message)),
      );
      // Events reach a socket in the order they were sent: once this arrives, any duplicate would have too.
      const barrier = Promise.all(
        widgets.map((socket) =>
          nextEvent(socket, WidgetServerEvent.AdminTyping),
        ),
      );
      await ackData(agentOnB, AdminEvent.Typing, { sessionId, isTyping: true });
      await barrier;

      for (const received of seedGot) {
        expect(received).toStrictEqual([seedShape(message, 'admin', false)]);
      }
      for (const received of currentGot) {
        expect(received).toStrictEqual([message]);
      }
    });
  },
);
