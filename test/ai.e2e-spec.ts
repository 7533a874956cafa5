import { Logger } from '@nestjs/common';
import request from 'supertest';
import { AI_UNAVAILABLE_MESSAGE } from '../src/ai/ai.service';
import { AdminEvent, AdminServerEvent } from '../src/realtime/admin.events';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';
import { FakeAiProvider, type FakeBehaviour } from './fakes/fake-ai-provider';
import { fastAiRetries } from './utils/ai';
import { adminEnv, connectAdmin, login } from './utils/admin';
import { createTestDatabase, type TestDatabase } from './utils/test-database';
import { startApp, type TestApp } from './utils/test-app';
import {
  ack,
  closeAll,
  connect,
  nextEvent,
  sleep,
  succeeded,
  type ClientEventName,
  type TestSocket,
} from './utils/sockets';

const KEYS = ['sk-test-first', 'sk-test-second'];
const SYSTEM_PROMPT = 'You are the test assistant of the e2e suite.';
const DEFAULT_REPLY = 'Hello from the fake assistant.';
/** How long to wait before asserting that something did not happen. */
const QUIET_MS = 300;
const AI_OFF_LINE =
  'AI assistant is off: no AI_API_KEYS (or OPENAI_API_KEY) configured';
const LOG_METHODS = ['log', 'warn', 'error', 'debug', 'verbose'] as const;

interface Received {
  event: string;
  payload: any;
}

describe('AI replies', () => {
  let db: TestDatabase;
  let server: TestApp;
  let fake: FakeAiProvider;
  let adminToken: string;
  /** Everything any socket of this file received, acks included, for the key-leak check at the end. */
  const everything: unknown[] = [];
  /** Every line any logger of the app was asked to write, whatever the level. */
  let logSpies: jest.SpyInstance[];
  const logged = (method: (typeof LOG_METHODS)[number]) =>
    logSpies[LOG_METHODS.indexOf(method)].mock.calls.map(([line]) =>
      String(line),
    );

  beforeAll(async () => {
    logSpies = LOG_METHODS.map((method) =>
      jest.spyOn(Logger.prototype, method),
    );
    fake = await FakeAiProvider.start();
    db = await createTestDatabase();
    server = await startApp(
      {
        ...db.env,
        ...adminEnv,
        // With the AI left on after an agent's reply, only the AI service's own abort can stop a queued reply.
        AI_PAUSE_ON_ADMIN_REPLY: 'false',
        AI_API_KEYS: KEYS.join(','),
        AI_BASE_URL: fake.url,
        AI_SYSTEM_PROMPT: SYSTEM_PROMPT,
        AI_TIMEOUT_MS: '500',
        AI_MAX_RETRIES: '2',
      },
      {
        override: fastAiRetries,
      },
    );
    adminToken = (await login(server)).accessToken;
  });

  afterEach(() => {
    closeAll();
    fake.reset();
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
    await db?.drop();
    logSpies.forEach((spy) => spy.mockRestore());
  });

  /** Every event the socket receives from now on, in arrival order. */
  function recordAll(socket: TestSocket): Received[] {
    const received: Received[] = [];
    socket.onAny((event: string, payload: unknown) => {
      received.push({ event, payload });
      everything.push({ event, payload });
    });
    return received;
  }

  /** A widget on a session of its own. */
  async function newWidget(url = server.url) {
    const socket = await connect(url);
    const received = recordAll(socket);
    const init = await send(socket, WidgetEvent.InitSession, {});
    return { socket, sessionId: init.sessionId, received };
  }

  /** A signed-in agent. */
  async function newAdmin() {
    const socket = await connectAdmin(server, adminToken);
    return { socket, received: recordAll(socket) };
  }

  /** Every event this file sends must succeed: a refusal fails the test at once, after it is recorded. */
  async function send<E extends ClientEventName>(
    socket: TestSocket,
    event: E,
    payload: object,
  ) {
    const reply = await ack(socket, event, payload);
    everything.push(reply);
    return succeeded(event, reply);
  }

  function say(
    socket: TestSocket,
    sessionId: string,
    content: string,
    clientMessageId?: string,
  ) {
    return send(socket, WidgetEvent.UserMessage, {
      sessionId,
      content,
      clientMessageId,
    });
  }

  function replyFinished(socket: TestSocket) {
    return nextEvent(
      socket,
      WidgetServerEvent.AiTyping,
      (event) => event.typing === false,
    );
  }

  async function stored(socket: TestSocket, sessionId: string) {
    const page = await send(socket, WidgetEvent.Sync, { sessionId });
    return page.messages;
  }

  function held(text: string) {
    let release!: () => void;
    const behaviour: FakeBehaviour = {
      type: 'hold',
      text,
      release: new Promise<void>((resolve) => (release = resolve)),
    };
    return { behaviour, release };
  }

  const named = (received: Received[], ...events: string[]) =>
    received.filter(({ event }) => events.includes(event));

  it('streams a reply after acking the user message, then commits it', async () => {
    const { socket, sessionId, received } = await newWidget();
    const text = 'Sure, I can help with your order.';
    const hold = held(text);
    fake.enqueue(hold.behaviour);
    const firstDelta = nextEvent(socket, WidgetServerEvent.MessageDelta);
    const finished = replyFinished(socket);

    const sent = await say(socket, sessionId, 'Where is my order?');
    expect(sent.ok).toBe(true);
    await firstDelta;
    expect(named(received, WidgetServerEvent.Message)).toEqual([]);
    hold.release();
    await finished;

    const flow = named(
      received,
      WidgetServerEvent.AiTyping,
      WidgetServerEvent.MessageDelta,
      WidgetServerEvent.Message,
    );
    const deltas = flow.slice(1, -2).map(({ payload }) => payload);
    expect(flow[0]).toEqual({
      event: WidgetServerEvent.AiTyping,
      payload: { sessionId, typing: true },
    });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.every((delta) => delta.sessionId === sessionId)).toBe(true);
    expect(new Set(deltas.map((delta) => delta.streamId)).size).toBe(1);
    expect(flow.at(-2)).toMatchObject({
      event: WidgetServerEvent.Message,
      payload: {
        sessionId,
        sender: 'ai',
        content: deltas.map((delta) => delta.delta).join(''),
      },
    });
    expect(flow.at(-1)).toEqual({
      event: WidgetServerEvent.AiTyping,
      payload: { sessionId, typing: false },
    });
    expect(await stored(socket, sessionId)).toMatchObject([
      { sender: 'user', content: 'Where is my order?' },
      { sender: 'ai', content: text },
    ]);
  });

  it('sends the system prompt and the history in their roles', async () => {
    const { socket, sessionId } = await newWidget();
    let finished = replyFinished(socket);
    await say(socket, sessionId, 'First question');
    await finished;
    finished = replyFinished(socket);
    await say(socket, sessionId, 'Second question');
    await finished;

    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1].path).toBe('/v1/responses');
    expect(fake.requests[1].body.instructions).toBe(SYSTEM_PROMPT);
    expect(fake.requests[1].body.input).toEqual([
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: DEFAULT_REPLY },
      { role: 'user', content: 'Second question' },
    ]);
  });

  it('retries a 429 and commits exactly one reply', async () => {
    const { socket, sessionId } = await newWidget();
    fake.enqueue({ type: 'status', status: 429, retryAfter: '0' });
    const finished = replyFinished(socket);
    await say(socket, sessionId, 'Hello?');
    await finished;

    expect(fake.requests).toHaveLength(2);
    expect(await stored(socket, sessionId)).toMatchObject([
      { sender: 'user' },
      { sender: 'ai', content: DEFAULT_REPLY },
    ]);
  });

  it('hands the session to a person when every attempt fails', async () => {
    const { socket, sessionId, received } = await newWidget();
    const agent = await newAdmin();
    const aiError = nextEvent(agent.socket, AdminServerEvent.AiError);
    const handoff = nextEvent(agent.socket, AdminServerEvent.HandoffRequested);
    const agentModeChanged = nextEvent(
      agent.socket,
      AdminServerEvent.AiModeChanged,
    );
    fake.setDefault({ type: 'status', status: 500 });
    const notice = nextEvent(
      socket,
      WidgetServerEvent.Message,
      (message) => message.sender === 'system',
    );
    const modeChanged = nextEvent(socket, WidgetServerEvent.AiModeChanged);
    const finished = replyFinished(socket);
    await say(socket, sessionId, 'Is anyone there?');

    expect(await notice).toMatchObject({
      sessionId,
      content: AI_UNAVAILABLE_MESSAGE,
    });
    expect(await modeChanged).toEqual({ sessionId, enabled: false });
    expect(await agentModeChanged).toEqual({ sessionId, enabled: false });
    expect(await aiError).toEqual({
      sessionId,
      code: 'PROVIDER_ERROR',
      message: expect.any(String),
    });
    expect(await handoff).toEqual({ sessionId });
    await finished;
    expect(fake.requests).toHaveLength(3);
    expect(logged('warn').filter((line) => line.includes(sessionId))).toEqual([
      expect.stringContaining('PROVIDER_ERROR'),
    ]);
    expect(
      named(received, WidgetServerEvent.Message).map(
        ({ payload }) => payload.sender,
      ),
    ).toEqual(['system']);

    const again = await connect(server.url);
    recordAll(again);
    const resumed = await send(again, WidgetEvent.InitSession, {
      sessionId,
    });
    expect(resumed.session.aiEnabled).toBe(false);

    fake.reset();
    const typing: unknown[] = [];
    socket.on(WidgetServerEvent.AiTyping, (event) => typing.push(event));
    expect((await say(socket, sessionId, 'Hello again')).ok).toBe(true);
    await sleep(QUIET_MS);
    expect(fake.requests).toEqual([]);
    expect(typing).toEqual([]);
  });

  it('fails over to the next key when the first is rejected', async () => {
    const { socket, sessionId } = await newWidget();
    fake.rejectKey(KEYS[0]);
    const finished = replyFinished(socket);
    await say(socket, sessionId, 'Hi');
    await finished;

    expect(fake.requests.map(({ apiKey }) => apiKey)).toEqual(KEYS);
    expect((await stored(socket, sessionId)).at(-1)).toMatchObject({
      sender: 'ai',
      content: DEFAULT_REPLY,
    });
  });

  it('hands off when every key is rejected', async () => {
    const { socket, sessionId } = await newWidget();
    const agent = await newAdmin();
    const aiError = nextEvent(agent.socket, AdminServerEvent.AiError);
    KEYS.forEach((key) => fake.rejectKey(key));
    const modeChanged = nextEvent(socket, WidgetServerEvent.AiModeChanged);
    const finished = replyFinished(socket);
    await say(socket, sessionId, 'Hi');
    await finished;

    expect(await modeChanged).toEqual({ sessionId, enabled: false });
    expect(await aiError).toMatchObject({ sessionId, code: 'AUTH_FAILED' });
    expect((await stored(socket, sessionId)).at(-1)).toMatchObject({
      sender: 'system',
      content: AI_UNAVAILABLE_MESSAGE,
    });
  });

  it('streams the reply to the agents who joined the session', async () => {
    const { socket, sessionId } = await newWidget();
    const agent = await newAdmin();
    await send(agent.socket, AdminEvent.JoinSession, { sessionId });
    const finished = nextEvent(
      agent.socket,
      AdminServerEvent.AiTyping,
      (event) => event.typing === false,
    );
    await say(socket, sessionId, 'Hello');
    await finished;

    const flow = named(
      agent.received,
      AdminServerEvent.AiTyping,
      AdminServerEvent.MessageDelta,
      AdminServerEvent.Message,
    )
      .filter(({ payload }) => payload.sender !== 'user')
      .map(({ event }) => event);
    expect(flow[0]).toBe(AdminServerEvent.AiTyping);
    expect(flow).toContain(AdminServerEvent.MessageDelta);
    expect(flow.slice(-2)).toEqual([
      AdminServerEvent.Message,
      AdminServerEvent.AiTyping,
    ]);
    expect(named(agent.received, AdminServerEvent.Message).at(-1)).toEqual({
      event: AdminServerEvent.Message,
      payload: expect.objectContaining({
        sender: 'ai',
        content: DEFAULT_REPLY,
      }),
    });
  });

  it('stops the reply and the queued ones when an agent answers', async () => {
    const { socket, sessionId, received } = await newWidget();
    const agent = await newAdmin();
    const hold = held('This reply is never finished.');
    fake.enqueue(hold.behaviour);
    const firstDelta = nextEvent(socket, WidgetServerEvent.MessageDelta);
    let finished = replyFinished(socket);
    await say(socket, sessionId, 'One');
    await say(socket, sessionId, 'Two, queued behind the first reply');
    await firstDelta;

    const answered = await send(agent.socket, AdminEvent.AdminMessage, {
      sessionId,
      content: 'A person here, let me check.',
    });
    expect(answered.ok).toBe(true);
    await finished;
    hold.release();
    await sleep(QUIET_MS);
    expect(fake.requests).toHaveLength(1);
    expect(
      named(received, WidgetServerEvent.Message).map(
        ({ payload }) => payload.sender,
      ),
    ).toEqual(['admin']);

    finished = replyFinished(socket);
    await say(socket, sessionId, 'Three, after the agent');
    await finished;
    expect(
      (await stored(socket, sessionId)).map(({ sender }) => sender),
    ).toEqual(['user', 'user', 'admin', 'user', 'ai']);
  });

  it('stops a reply whose session an admin erases, without waiting for the provider', async () => {
    const { socket, sessionId } = await newWidget();
    const hold = held('This reply belongs to an erased session.');
    fake.enqueue(hold.behaviour);
    const firstDelta = nextEvent(socket, WidgetServerEvent.MessageDelta);
    const finished = replyFinished(socket);
    await say(socket, sessionId, 'Please forget me');
    await firstDelta;

    await request(server.url)
      .delete(`/api/admin/sessions/${sessionId}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(204);
    await finished;
    hold.release();
    await sleep(QUIET_MS);
    expect(fake.requests).toHaveLength(1);
    await request(server.url)
      .get(`/api/chat/messages/${sessionId}`)
      .expect(404);
  });

  it('commits only the successful attempt after a stream breaks half-way', async () => {
    const { socket, sessionId, received } = await newWidget();
    const text = 'The complete answer.';
    fake.enqueue(
      { type: 'break', chunks: ['A broken ', 'half'] },
      { type: 'reply', text },
    );
    const finished = replyFinished(socket);
    await say(socket, sessionId, 'Tell me everything');
    await finished;

    const deltas = named(received, WidgetServerEvent.MessageDelta).map(
      ({ payload }) => payload,
    );
    const lastStream = deltas.at(-1).streamId;
    expect(new Set(deltas.map((delta) => delta.streamId)).size).toBe(2);
    expect(
      deltas
        .filter((delta) => delta.streamId === lastStream)
        .map((delta) => delta.delta)
        .join(''),
    ).toBe(text);
    const replies = (await stored(socket, sessionId)).filter(
      (message) => message.sender === 'ai',
    );
    expect(replies).toEqual([expect.objectContaining({ content: text })]);
  });

  it('stops a reply mid-stream when the visitor asks for a person', async () => {
    const { socket, sessionId, received } = await newWidget();
    const hold = held('This reply is never finished.');
    fake.enqueue(hold.behaviour);
    const firstDelta = nextEvent(socket, WidgetServerEvent.MessageDelta);
    const modeChanged = nextEvent(socket, WidgetServerEvent.AiModeChanged);
    const finished = replyFinished(socket);
    await say(socket, sessionId, 'One');
    await say(socket, sessionId, 'Two, queued behind the first reply');
    await firstDelta;

    expect(
      (await send(socket, WidgetEvent.RequestHuman, { sessionId })).ok,
    ).toBe(true);
    expect(await modeChanged).toEqual({ sessionId, enabled: false });
    await finished;
    hold.release();
    await sleep(QUIET_MS);

    expect(fake.requests).toHaveLength(1);
    expect(named(received, WidgetServerEvent.Message)).toEqual([]);
    expect(
      (await stored(socket, sessionId)).map(({ sender }) => sender),
    ).toEqual(['user', 'user']);
  });

  it('answers a message sent twice with the same clientMessageId once', async () => {
    const { socket, sessionId } = await newWidget();
    const finished = replyFinished(socket);
    const [first, second] = await Promise.all([
      say(socket, sessionId, 'Only once', 'c-1'),
      say(socket, sessionId, 'Only once', 'c-1'),
    ]);
    await finished;
    expect(second.message.id).toBe(first.message.id);
    expect((await say(socket, sessionId, 'Only once', 'c-1')).ok).toBe(true);
    await sleep(QUIET_MS);

    expect(fake.requests).toHaveLength(1);
    expect(
      (await stored(socket, sessionId)).map(({ sender }) => sender),
    ).toEqual(['user', 'ai']);
  });

  it('keeps the chat working with AI off when no key is configured', async () => {
    const aiOffLines = () =>
      logged('log').filter((line) => line === AI_OFF_LINE);
    expect(aiOffLines()).toEqual([]);
    const keyless = await createTestDatabase();
    const app = await startApp({ ...keyless.env, AI_BASE_URL: fake.url });
    try {
      expect(aiOffLines()).toHaveLength(1);
      const { socket, sessionId, received } = await newWidget(app.url);
      expect((await say(socket, sessionId, 'Anyone?')).ok).toBe(true);
      await sleep(QUIET_MS);
      expect(named(received, WidgetServerEvent.AiTyping)).toEqual([]);
      expect(fake.requests).toEqual([]);

      const ready = await request(app.app.getHttpServer()).get('/health/ready');
      expect(ready.body.details.ai).toEqual({
        status: 'up',
        state: 'disabled',
      });
    } finally {
      closeAll();
      await app.close();
      await keyless.drop();
    }
  });

  it('never sent an API key to any socket nor wrote one to a log', () => {
    expect(everything.length).toBeGreaterThan(50);
    const seen = JSON.stringify(everything);
    const logs = JSON.stringify(logSpies.map((spy) => spy.mock.calls));
    for (const key of KEYS) {
      expect(seen).not.toContain(key);
      expect(logs).not.toContain(key);
    }
  });
});
