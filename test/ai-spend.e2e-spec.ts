import {
  AI_BUDGET_SPENT_CODE,
  AI_BUDGET_SPENT_MESSAGE,
} from '../src/ai/ai.service';
import { PrismaService } from '../src/prisma/prisma.service';
import { AdminServerEvent } from '../src/realtime/admin.events';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';
import { FakeAiProvider } from './fakes/fake-ai-provider';
import { adminEnv, connectAdmin } from './utils/admin';
import {
  ackOk,
  closeAll,
  nextEvent,
  record,
  type TestSocket,
} from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';
import { newVisitor } from './utils/visitor';

const SYSTEM_PROMPT = 'You are the assistant of the AI spend tests.';
const DEFAULT_REPLY = 'Hello from the fake assistant.';
const PER_SESSION = 3;
const PER_ADDRESS = 4;
const PER_DAY = 12;
const CONTEXT_MAX_CHARS = 1000;

describe('AI spend', () => {
  let db: TestDatabase;
  let server: TestApp;
  let fake: FakeAiProvider;
  let agent: TestSocket;

  beforeAll(async () => {
    fake = await FakeAiProvider.start();
    db = await createTestDatabase();
    server = await startApp({
      ...db.env,
      ...adminEnv,
      AI_API_KEYS: 'sk-spend-test',
      AI_BASE_URL: fake.url,
      AI_SYSTEM_PROMPT: SYSTEM_PROMPT,
      AI_MAX_RETRIES: '0',
      AI_REPLIES_PER_SESSION: String(PER_SESSION),
      AI_REPLIES_PER_HOUR_PER_IP: String(PER_ADDRESS),
      AI_REPLIES_PER_DAY: String(PER_DAY),
      AI_CONTEXT_MAX_CHARS: String(CONTEXT_MAX_CHARS),
      // The test client is the proxy: each visitor below comes from an address of its own.
      TRUST_PROXY: '1',
    });
  });

  beforeEach(async () => {
    agent = await connectAdmin(server);
  });

  afterEach(() => {
    closeAll();
    fake.reset();
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
    await db?.drop();
  });

  /** Sends a message and waits for the AI's reply to be committed. */
  async function askAndGetReply(
    socket: TestSocket,
    sessionId: string,
    content: string,
  ) {
    const reply = nextEvent(
      socket,
      WidgetServerEvent.Message,
      (message) => message.sender === 'ai',
    );
    await ackOk(socket, WidgetEvent.UserMessage, { sessionId, content });
    return reply;
  }

  /** Sends a message that a spent budget refuses, and collects what the visitor and the agents get. */
  async function askOverBudget(socket: TestSocket, sessionId: string) {
    const typing = record(socket, WidgetServerEvent.AiTyping);
    const notice = nextEvent(
      socket,
      WidgetServerEvent.Message,
      (message) => message.sender === 'system',
    );
    const widgetMode = nextEvent(socket, WidgetServerEvent.AiModeChanged);
    const agentMode = nextEvent(
      agent,
      AdminServerEvent.AiModeChanged,
      (change) => change.sessionId === sessionId,
    );
    const aiError = nextEvent(
      agent,
      AdminServerEvent.AiError,
      (error) => error.sessionId === sessionId,
    );
    const handoff = nextEvent(
      agent,
      AdminServerEvent.HandoffRequested,
      (event) => event.sessionId === sessionId,
    );
    const requestsBefore = fake.requests.length;
    await ackOk(socket, WidgetEvent.UserMessage, {
      sessionId,
      content: 'One more question, please.',
    });
    const outcome = {
      notice: await notice,
      widgetMode: await widgetMode,
      agentMode: await agentMode,
      aiError: await aiError,
      handoff: await handoff,
    };
    expect(fake.requests.length).toBe(requestsBefore);
    expect(typing).toEqual([]);
    return outcome;
  }

  function expectHandedOff(
    outcome: Awaited<ReturnType<typeof askOverBudget>>,
    sessionId: string,
    setting: string,
  ): void {
    expect(outcome.notice).toMatchObject({
      sessionId,
      sender: 'system',
      content: AI_BUDGET_SPENT_MESSAGE,
    });
    expect(outcome.widgetMode).toEqual({ sessionId, enabled: false });
    expect(outcome.agentMode).toEqual({ sessionId, enabled: false });
    expect(outcome.aiError).toEqual({
      sessionId,
      code: AI_BUDGET_SPENT_CODE,
      message: expect.stringContaining(setting),
    });
    expect(outcome.handoff).toEqual({ sessionId });
  }

  async function storedSenders(socket: TestSocket, sessionId: string) {
    const { messages } = await ackOk(socket, WidgetEvent.Sync, { sessionId });
    return messages.map(({ sender }) => sender);
  }

  it('sends the system prompt and only the latest messages that fit in AI_CONTEXT_MAX_CHARS', async () => {
    const { socket, sessionId } = await newVisitor(server, '198.51.100.1');
    const long = (word: string) => `${word} ${'x'.repeat(399 - word.length)}`;
    for (const word of ['first', 'second', 'third']) {
      await askAndGetReply(socket, sessionId, long(word));
    }

    const { body } = fake.requests.at(-1)!;
    expect(body.instructions).toBe(SYSTEM_PROMPT);
    // 3 × 400 + 2 × 30 characters and the prompt are over 1000: the oldest message is left out.
    expect(body.input).toEqual([
      { role: 'assistant', content: DEFAULT_REPLY },
      { role: 'user', content: long('second') },
      { role: 'assistant', content: DEFAULT_REPLY },
      { role: 'user', content: long('third') },
    ]);
    const sent = body.input!.reduce(
      (total, turn) => total + turn.content.length,
      SYSTEM_PROMPT.length,
    );
    expect(sent).toBeLessThanOrEqual(CONTEXT_MAX_CHARS);
  });

  it('hands a session over to a person once it had AI_REPLIES_PER_SESSION replies', async () => {
    const { socket, sessionId } = await newVisitor(server, '198.51.100.2');
    for (let i = 1; i <= PER_SESSION; i++) {
      await askAndGetReply(socket, sessionId, `Question ${i}`);
    }
    expect(fake.requests).toHaveLength(PER_SESSION);

    const outcome = await askOverBudget(socket, sessionId);

    expectHandedOff(outcome, sessionId, 'AI_REPLIES_PER_SESSION');
    expect(await storedSenders(socket, sessionId)).toEqual([
      ...Array.from({ length: PER_SESSION }, () => ['user', 'ai']).flat(),
      'user',
      'system',
    ]);
    const resumed = await ackOk(socket, WidgetEvent.InitSession, {
      sessionId,
    });
    expect(resumed.session.aiEnabled).toBe(false);
  });

  it("hands over once the sessions of one address had AI_REPLIES_PER_HOUR_PER_IP replies, and only that address's", async () => {
    const address = '198.51.100.3';
    const first = await newVisitor(server, address);
    for (let i = 1; i < PER_ADDRESS; i++) {
      await askAndGetReply(first.socket, first.sessionId, `Question ${i}`);
    }
    const second = await newVisitor(server, address);
    await askAndGetReply(second.socket, second.sessionId, 'Last one');
    expect(fake.requests).toHaveLength(PER_ADDRESS);

    const outcome = await askOverBudget(second.socket, second.sessionId);
    expectHandedOff(outcome, second.sessionId, 'AI_REPLIES_PER_HOUR_PER_IP');

    const neighbour = await newVisitor(server, '198.51.100.33');
    expect(
      await askAndGetReply(neighbour.socket, neighbour.sessionId, 'Hello?'),
    ).toMatchObject({ sender: 'ai', content: DEFAULT_REPLY });
  });

  it('hands every new conversation over once the deployment gave AI_REPLIES_PER_DAY replies', async () => {
    const prisma = server.app.get(PrismaService);
    const given = () => prisma.message.count({ where: { sender: 'ai' } });
    // Whatever the tests before gave counts too: the budget is the whole deployment's.
    for (let visitor = 0; (await given()) < PER_DAY; visitor++) {
      const { socket, sessionId } = await newVisitor(
        server,
        `203.0.113.${visitor}`,
      );
      await askAndGetReply(socket, sessionId, 'Hello?');
    }

    const { socket, sessionId } = await newVisitor(server, '203.0.113.200');
    const outcome = await askOverBudget(socket, sessionId);

    expectHandedOff(outcome, sessionId, 'AI_REPLIES_PER_DAY');
    expect(await given()).toBe(PER_DAY);
  });
});
