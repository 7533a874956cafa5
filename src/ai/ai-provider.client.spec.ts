import { inspect } from 'node:util';
import { HttpModule } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  FakeAiProvider,
  INSUFFICIENT_QUOTA_BODY,
  type FakeBehaviour,
} from '../../test/fakes/fake-ai-provider';
import { parseSettings, type RawEnvironment } from '../config/settings';
import {
  AI_RETRY_POLICY,
  AiProviderClient,
  AiProviderError,
  type ChatTurn,
  type ReplyStreamHandlers,
} from './ai-provider.client';

const KEY_A = 'sk-test-a';
const KEY_B = 'sk-test-b';
const SYSTEM_PROMPT = 'You are the test assistant.';
const MODEL = 'fake-model-1';
const HISTORY: ChatTurn[] = [
  { role: 'user', content: 'Hi there' },
  { role: 'assistant', content: 'Hello! How can I help?' },
  { role: 'user', content: 'Where is my order?' },
];

interface Delta {
  streamId: string;
  text: string;
}

/** Records what the client reports, in order. */
class StreamRecorder implements ReplyStreamHandlers {
  readonly attempts: string[] = [];
  readonly deltas: Delta[] = [];

  onAttempt(streamId: string): void {
    this.attempts.push(streamId);
  }

  onDelta(streamId: string, text: string): void {
    this.deltas.push({ streamId, text });
  }

  textOf(streamId: string): string {
    return this.deltas
      .filter((delta) => delta.streamId === streamId)
      .map((delta) => delta.text)
      .join('');
  }
}

function released(): { release: () => void; promise: Promise<void> } {
  let release = () => {};
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { release, promise };
}

async function failureOf(promise: Promise<unknown>): Promise<AiProviderError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof AiProviderError)) {
    throw new Error(`expected an AiProviderError, got ${inspect(error)}`);
  }
  return error;
}

describe('AiProviderClient', () => {
  let fake: FakeAiProvider;
  let modules: TestingModule[] = [];
  let logged: unknown[][] = [];

  beforeAll(async () => {
    fake = await FakeAiProvider.start();
  });

  afterAll(() => fake.close());

  beforeEach(() => {
    fake.reset();
    logged = [];
    for (const method of [
      'log',
      'warn',
      'debug',
      'error',
      'verbose',
    ] as const) {
      jest
        .spyOn(Logger.prototype, method)
        .mockImplementation((...args: unknown[]) => {
          logged.push(args);
        });
    }
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(modules.map((moduleRef) => moduleRef.close()));
    modules = [];
  });

  async function createClient(
    environment: RawEnvironment = {},
  ): Promise<AiProviderClient> {
    const settings = parseSettings({
      AI_API_KEYS: `${KEY_A},${KEY_B}`,
      AI_BASE_URL: fake.url,
      AI_MODEL: MODEL,
      AI_SYSTEM_PROMPT: SYSTEM_PROMPT,
      AI_TIMEOUT_MS: '2000',
      AI_MAX_RETRIES: '3',
      ...environment,
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        HttpModule,
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => ({ ...settings })],
        }),
      ],
      providers: [
        AiProviderClient,
        {
          provide: AI_RETRY_POLICY,
          useValue: { baseDelayMs: 5, maxDelayMs: 20 },
        },
      ],
    }).compile();
    modules.push(moduleRef);
    return moduleRef.get(AiProviderClient);
  }

  function streamReply(
    client: AiProviderClient,
    recorder: StreamRecorder,
    signal = new AbortController().signal,
  ): Promise<string> {
    return client.streamReply({ history: HISTORY, signal }, recorder);
  }

  describe.each(['responses', 'chat-completions'] as const)(
    'with the %s API',
    (style) => {
      const environment = { AI_API_STYLE: style };

      it('delivers the deltas in order and resolves with their concatenation', async () => {
        const client = await createClient(environment);
        fake.enqueue({
          type: 'reply',
          text: 'Your order ships today.',
          chunks: ['Your', ' order', ' ships', ' today.'],
        });
        const recorder = new StreamRecorder();

        const text = await streamReply(client, recorder);

        expect(text).toBe('Your order ships today.');
        expect(recorder.attempts).toHaveLength(1);
        expect(recorder.deltas).toEqual(
          ['Your', ' order', ' ships', ' today.'].map((chunk) => ({
            streamId: recorder.attempts[0],
            text: chunk,
          })),
        );
      });

      it('sends the model, the system prompt and the history in their roles', async () => {
        const client = await createClient(environment);

        await streamReply(client, new StreamRecorder());

        const [request] = fake.requests;
        expect(request.apiKey).toBe(KEY_A);
        expect(request.body).toMatchObject({ model: MODEL, stream: true });
        if (style === 'responses') {
          expect(request.path).toBe('/v1/responses');
          expect(request.body.instructions).toBe(SYSTEM_PROMPT);
          expect(request.body.input).toEqual(HISTORY);
        } else {
          expect(request.path).toBe('/v1/chat/completions');
          expect(request.body.messages).toEqual([
            { role: 'system', content: SYSTEM_PROMPT },
            ...HISTORY,
          ]);
        }
      });

      it('accepts a non-streaming JSON answer as one delta', async () => {
        const client = await createClient(environment);
        fake.enqueue({ type: 'reply', text: 'All in one go.', stream: false });
        const recorder = new StreamRecorder();

        await expect(streamReply(client, recorder)).resolves.toBe(
          'All in one go.',
        );
        expect(recorder.deltas).toEqual([
          { streamId: recorder.attempts[0], text: 'All in one go.' },
        ]);
      });

      it('retries a 429 after its Retry-After under a new streamId', async () => {
        const client = await createClient(environment);
        fake.enqueue({ type: 'status', status: 429, retryAfter: '0' });
        const recorder = new StreamRecorder();

        await expect(streamReply(client, recorder)).resolves.toBe(
          'Hello from the fake assistant.',
        );
        expect(fake.requests).toHaveLength(2);
        expect(recorder.attempts).toHaveLength(2);
        expect(recorder.attempts[0]).not.toBe(recorder.attempts[1]);
        expect(recorder.textOf(recorder.attempts[1])).toBe(
          'Hello from the fake assistant.',
        );
      });

      it('retries server errors until one attempt succeeds', async () => {
        const client = await createClient(environment);
        fake.enqueue(
          { type: 'status', status: 500 },
          { type: 'status', status: 503 },
        );

        await expect(streamReply(client, new StreamRecorder())).resolves.toBe(
          'Hello from the fake assistant.',
        );
        expect(fake.requests).toHaveLength(3);
      });

      it('retries a stream cut half-way and starts the draft over', async () => {
        const client = await createClient(environment);
        fake.enqueue({ type: 'break', chunks: ['Half a ', 'sent'] });
        const recorder = new StreamRecorder();

        await expect(streamReply(client, recorder)).resolves.toBe(
          'Hello from the fake assistant.',
        );
        const [broken, retried] = recorder.attempts;
        expect(recorder.textOf(broken)).toBe('Half a sent');
        expect(recorder.textOf(retried)).toBe('Hello from the fake assistant.');
      });

      it('retries when the provider reports a failure inside the stream', async () => {
        const client = await createClient(environment);
        fake.enqueue({ type: 'fail', chunks: ['Oops'] });

        await expect(streamReply(client, new StreamRecorder())).resolves.toBe(
          'Hello from the fake assistant.',
        );
        expect(fake.requests).toHaveLength(2);
      });

      it('gives up with TIMEOUT when every attempt hangs', async () => {
        const client = await createClient({
          ...environment,
          AI_TIMEOUT_MS: '300',
          AI_MAX_RETRIES: '1',
        });
        fake.setDefault({ type: 'hang' });

        const error = await failureOf(
          streamReply(client, new StreamRecorder()),
        );

        expect(error.code).toBe('TIMEOUT');
        expect(fake.requests).toHaveLength(2);
      });

      it('stops at once with ABORTED when aborted mid-stream', async () => {
        const client = await createClient(environment);
        const hold = released();
        fake.enqueue({
          type: 'hold',
          text: 'First, then the rest.',
          chunks: ['First, ', 'then the rest.'],
          release: hold.promise,
        });
        const controller = new AbortController();
        const recorder = new StreamRecorder();
        const firstDelta = new Promise<void>((resolve) => {
          recorder.onDelta = (streamId, text) => {
            recorder.deltas.push({ streamId, text });
            resolve();
          };
        });

        const reply = streamReply(client, recorder, controller.signal);
        await firstDelta;
        controller.abort();
        const error = await failureOf(reply);
        hold.release();

        expect(error.code).toBe('ABORTED');
        expect(recorder.deltas.map((delta) => delta.text)).toEqual(['First, ']);
        expect(fake.requests).toHaveLength(1);
      });
    },
  );

  describe('key failover', () => {
    it('moves to the next key when the provider rejects the first', async () => {
      const client = await createClient();
      fake.rejectKey(KEY_A);

      await expect(streamReply(client, new StreamRecorder())).resolves.toBe(
        'Hello from the fake assistant.',
      );
      expect(fake.requests.map((request) => request.apiKey)).toEqual([
        KEY_A,
        KEY_B,
      ]);
    });

    it('fails with AUTH_FAILED once every key is rejected, without further attempts', async () => {
      const client = await createClient();
      fake.rejectKey(KEY_A);
      fake.rejectKey(KEY_B);

      const error = await failureOf(streamReply(client, new StreamRecorder()));

      expect(error.code).toBe('AUTH_FAILED');
      expect(fake.requests).toHaveLength(2);
    });

    it('moves to the next key at once when a key has run out of quota', async () => {
      const client = await createClient({ AI_TIMEOUT_MS: '5000' });
      fake.enqueue({
        type: 'status',
        status: 429,
        retryAfter: '5',
        body: INSUFFICIENT_QUOTA_BODY,
      });
      const startedAt = Date.now();

      await streamReply(client, new StreamRecorder());

      expect(Date.now() - startedAt).toBeLessThan(1000);
      expect(fake.requests.map((request) => request.apiKey)).toEqual([
        KEY_A,
        KEY_B,
      ]);
    });
  });

  describe('failures that are not retried', () => {
    it('fails with BAD_REQUEST after exactly one request on a 400', async () => {
      const client = await createClient();
      fake.enqueue({ type: 'status', status: 400 });

      const error = await failureOf(streamReply(client, new StreamRecorder()));

      expect(error.code).toBe('BAD_REQUEST');
      expect(fake.requests).toHaveLength(1);
    });

    it('fails with EMPTY_REPLY when the provider completes without text', async () => {
      const client = await createClient();
      fake.enqueue({ type: 'reply', text: '', chunks: [] });

      const error = await failureOf(streamReply(client, new StreamRecorder()));

      expect(error.code).toBe('EMPTY_REPLY');
      expect(fake.requests).toHaveLength(1);
    });
    it("lets a handler's own error through, without retrying", async () => {
      const client = await createClient();
      const recorder = new StreamRecorder();
      const bug = new Error('bug in the caller');
      recorder.onDelta = () => {
        throw bug;
      };

      await expect(streamReply(client, recorder)).rejects.toBe(bug);
      expect(fake.requests).toHaveLength(1);
    });
  });

  describe('timing', () => {
    it('times out on silence between chunks, not on the length of the whole reply', async () => {
      const client = await createClient({
        AI_TIMEOUT_MS: '300',
        AI_MAX_RETRIES: '0',
      });
      fake.enqueue(
        {
          type: 'reply',
          text: 'Slow but steady.',
          chunks: ['Slow ', 'but ', 'steady', '.'],
          chunkDelayMs: 150,
        },
        {
          type: 'reply',
          text: 'Too slow.',
          chunks: ['Too ', 'slow.'],
          chunkDelayMs: 500,
        },
      );

      await expect(streamReply(client, new StreamRecorder())).resolves.toBe(
        'Slow but steady.',
      );
      const error = await failureOf(streamReply(client, new StreamRecorder()));
      expect(error.code).toBe('TIMEOUT');
    });

    it('caps a long Retry-After at the timeout', async () => {
      const client = await createClient({ AI_TIMEOUT_MS: '300' });
      fake.enqueue({ type: 'status', status: 503, retryAfter: '30' });
      const startedAt = Date.now();

      await streamReply(client, new StreamRecorder());

      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
      expect(Date.now() - startedAt).toBeLessThan(2000);
    });

    it('understands a Retry-After given as an HTTP date', async () => {
      const client = await createClient();
      const inAMoment = new Date(Date.now() + 1000).toUTCString();
      fake.enqueue({ type: 'status', status: 429, retryAfter: inAMoment });
      const startedAt = Date.now();

      await streamReply(client, new StreamRecorder());

      // HTTP dates have whole seconds: the wait is anything up to one second.
      expect(Date.now() - startedAt).toBeLessThan(1500);
      expect(fake.requests).toHaveLength(2);
    });

    it('stops waiting with ABORTED when aborted during the backoff', async () => {
      const client = await createClient({ AI_TIMEOUT_MS: '10000' });
      fake.enqueue({ type: 'status', status: 429, retryAfter: '10' });
      const controller = new AbortController();
      const recorder = new StreamRecorder();
      recorder.onAttempt = () => {
        setTimeout(() => controller.abort(), 50);
      };
      const startedAt = Date.now();

      const error = await failureOf(
        streamReply(client, recorder, controller.signal),
      );

      expect(error.code).toBe('ABORTED');
      expect(Date.now() - startedAt).toBeLessThan(1000);
      expect(fake.requests).toHaveLength(1);
    });

    it('fails with NETWORK_ERROR when the provider cannot be reached', async () => {
      const gone = await FakeAiProvider.start();
      await gone.close();
      const client = await createClient({
        AI_BASE_URL: gone.url,
        AI_MAX_RETRIES: '2',
      });

      const error = await failureOf(streamReply(client, new StreamRecorder()));

      expect(error.code).toBe('NETWORK_ERROR');
    });
  });

  describe('configuration', () => {
    it('is configured only when at least one key is set', async () => {
      await expect(createClient()).resolves.toHaveProperty(
        'isConfigured',
        true,
      );
      await expect(createClient({ AI_API_KEYS: '' })).resolves.toHaveProperty(
        'isConfigured',
        false,
      );
    });
  });

  describe('secrecy', () => {
    it('never puts a key in an error or a log line', async () => {
      const client = await createClient({
        AI_TIMEOUT_MS: '300',
        AI_MAX_RETRIES: '2',
      });
      const scenarios: { keys?: string[]; behaviours: FakeBehaviour[] }[] = [
        { keys: [KEY_A, KEY_B], behaviours: [] },
        { behaviours: [{ type: 'status', status: 400 }] },
        {
          behaviours: [
            { type: 'status', status: 403 },
            { type: 'status', status: 403 },
          ],
        },
        {
          behaviours: [
            { type: 'status', status: 500 },
            { type: 'break', chunks: ['Par'] },
            { type: 'hang' },
          ],
        },
      ];
      const errors: AiProviderError[] = [];

      for (const { keys = [], behaviours } of scenarios) {
        fake.reset();
        keys.forEach((key) => fake.rejectKey(key));
        fake.enqueue(...behaviours);
        errors.push(await failureOf(streamReply(client, new StreamRecorder())));
      }

      expect(errors.map((error) => error.code)).toEqual([
        'AUTH_FAILED',
        'BAD_REQUEST',
        'AUTH_FAILED',
        'TIMEOUT',
      ]);
      expect(logged.length).toBeGreaterThan(0);
      const everything = [
        ...errors.map((error) => inspect(error, { depth: 5 })),
        ...logged.map((args) => inspect(args, { depth: 5 })),
      ].join('\n');
      expect(everything).not.toContain(KEY_A);
      expect(everything).not.toContain(KEY_B);
    });
  });
});
