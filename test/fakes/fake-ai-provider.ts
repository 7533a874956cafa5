import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FakeChatMessage {
  role: string;
  content: string;
}

/** The JSON body a client sent; the fields of both wire formats are typed for convenience. */
export interface FakeRequestBody {
  model?: string;
  stream?: boolean;
  instructions?: string;
  input?: FakeChatMessage[];
  messages?: FakeChatMessage[];
  [field: string]: unknown;
}

export interface RecordedRequest {
  path: string;
  /** The token of the `Authorization: Bearer` header, null when there is none. */
  apiKey: string | null;
  body: FakeRequestBody;
}

export type FakeBehaviour =
  /** A normal answer; `stream` defaults to the request's own `stream` flag. */
  | {
      type: 'reply';
      text: string;
      chunks?: string[];
      chunkDelayMs?: number;
      stream?: boolean;
    }
  /** An error answer with an OpenAI-style JSON body unless `body` is given. */
  | { type: 'status'; status: number; retryAfter?: string; body?: unknown }
  /** Accepts the request and sends nothing, not even headers, until the connection closes. */
  | { type: 'hang' }
  /** Streams these deltas, then destroys the socket without the completion event. */
  | { type: 'break'; chunks: string[] }
  /** Streams these deltas, then the provider's own failure event (`response.failed` / an `error` chunk). */
  | { type: 'fail'; chunks?: string[] }
  /** Streams the first chunk, then waits for `release` before the rest: lets a test act mid-stream. */
  | { type: 'hold'; text: string; chunks?: string[]; release: Promise<void> };

/** OpenAI's body for a 429 that no waiting will fix: the client should move to its next key. */
export const INSUFFICIENT_QUOTA_BODY = {
  error: {
    message: 'You exceeded your current quota, please check your plan.',
    type: 'insufficient_quota',
    param: null,
    code: 'insufficient_quota',
  },
};

const DEFAULT_BEHAVIOUR: FakeBehaviour = {
  type: 'reply',
  text: 'Hello from the fake assistant.',
};

/** Produces the exact frames one wire format uses for one request. */
interface WireWriter {
  preamble(): string[];
  delta(text: string): string;
  completion(text: string): string[];
  failure(): string[];
  jsonReply(text: string): object;
}

/** The Responses API (`POST /responses`), with the event sequence OpenAI streams. */
class ResponsesWriter implements WireWriter {
  private readonly responseId = `resp_${randomUUID().replaceAll('-', '')}`;
  private readonly itemId = `msg_${randomUUID().replaceAll('-', '')}`;
  private readonly createdAt = Math.floor(Date.now() / 1000);
  private sequence = 0;

  constructor(private readonly model: string) {}

  preamble(): string[] {
    return [
      this.event('response.created', {
        response: this.response('in_progress', []),
      }),
      this.event('response.in_progress', {
        response: this.response('in_progress', []),
      }),
      this.event('response.output_item.added', {
        output_index: 0,
        item: { ...this.message('', 'in_progress'), content: [] },
      }),
      this.event('response.content_part.added', {
        ...this.position(),
        part: this.textPart(''),
      }),
    ];
  }

  delta(text: string): string {
    return this.event('response.output_text.delta', {
      ...this.position(),
      delta: text,
    });
  }

  completion(text: string): string[] {
    return [
      this.event('response.output_text.done', { ...this.position(), text }),
      this.event('response.content_part.done', {
        ...this.position(),
        part: this.textPart(text),
      }),
      this.event('response.output_item.done', {
        output_index: 0,
        item: this.message(text, 'completed'),
      }),
      this.event('response.completed', {
        response: this.response('completed', [this.message(text, 'completed')]),
      }),
    ];
  }

  failure(): string[] {
    return [
      this.event('response.failed', {
        response: {
          ...this.response('failed', []),
          error: {
            code: 'server_error',
            message: 'The fake provider failed mid-stream.',
          },
        },
      }),
    ];
  }

  jsonReply(text: string): object {
    return this.response('completed', [this.message(text, 'completed')]);
  }

  private event(type: string, fields: object): string {
    const data = { type, sequence_number: this.sequence++, ...fields };
    return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  private response(status: string, output: object[]): object {
    return {
      id: this.responseId,
      object: 'response',
      created_at: this.createdAt,
      status,
      model: this.model,
      output,
    };
  }

  private message(text: string, status: string): object {
    return {
      id: this.itemId,
      type: 'message',
      status,
      role: 'assistant',
      content: [this.textPart(text)],
    };
  }

  private textPart(text: string): object {
    return { type: 'output_text', text, annotations: [] };
  }

  private position(): object {
    return { item_id: this.itemId, output_index: 0, content_index: 0 };
  }
}

/** The Chat Completions API (`POST /chat/completions`), chunk by chunk, ending with `[DONE]`. */
class ChatCompletionsWriter implements WireWriter {
  private readonly id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(private readonly model: string) {}

  preamble(): string[] {
    return [this.chunk({ role: 'assistant', content: '' })];
  }

  delta(text: string): string {
    return this.chunk({ content: text });
  }

  completion(): string[] {
    return [this.chunk({}, 'stop'), 'data: [DONE]\n\n'];
  }

  failure(): string[] {
    const error = {
      message: 'The fake provider failed mid-stream.',
      type: 'server_error',
      param: null,
      code: null,
    };
    return [`data: ${JSON.stringify({ error })}\n\n`];
  }

  jsonReply(text: string): object {
    return {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text },
          finish_reason: 'stop',
        },
      ],
    };
  }

  private chunk(delta: object, finishReason: string | null = null): string {
    const data = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
    return `data: ${JSON.stringify(data)}\n\n`;
  }
}

const WRITERS: Record<string, (model: string) => WireWriter> = {
  '/v1/responses': (model) => new ResponsesWriter(model),
  '/v1/chat/completions': (model) => new ChatCompletionsWriter(model),
};

const ERROR_TYPES: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
};

function errorBody(status: number, message: string): object {
  const { type, code } = ERROR_TYPES[status] ?? {
    type: 'server_error',
    code: null,
  };
  return { error: { message, type, param: null, code } };
}

function splitIntoChunks(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match ? match[1].trim() : null;
}

async function readJsonBody(
  request: IncomingMessage,
): Promise<FakeRequestBody> {
  let raw = '';
  request.setEncoding('utf8');
  for await (const chunk of request as AsyncIterable<string>) raw += chunk;
  try {
    const body: unknown = JSON.parse(raw);
    return typeof body === 'object' && body !== null
      ? (body as FakeRequestBody)
      : {};
  } catch {
    return {};
  }
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'Content-Type': 'application/json',
    ...headers,
  });
  response.end(JSON.stringify(body));
}

function openEventStream(response: ServerResponse): void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
}

/** Resolves once the frames are handed to the socket, or at once when the client has gone. */
function write(response: ServerResponse, frames: string[]): Promise<void> {
  if (response.destroyed || frames.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    response.write(frames.join(''), () => resolve());
  });
}

function closed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => response.once('close', () => resolve()));
}

/**
 * A real HTTP server speaking the OpenAI Responses and Chat Completions wire formats, for unit and e2e tests.
 * Behaviours are queued per request; `rejectKey` answers 401 for a key whatever the queue says.
 */
export class FakeAiProvider {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: FakeBehaviour[] = [];
  private readonly rejectedKeys = new Set<string>();
  private defaultBehaviour: FakeBehaviour = DEFAULT_BEHAVIOUR;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {
    server.on('request', (request, response) => {
      this.handle(request, response).catch(() => response.destroy());
    });
  }

  static async start(): Promise<FakeAiProvider> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new FakeAiProvider(server, `http://127.0.0.1:${port}/v1`);
  }

  enqueue(...behaviours: FakeBehaviour[]): void {
    this.queue.push(...behaviours);
  }

  setDefault(behaviour: FakeBehaviour): void {
    this.defaultBehaviour = behaviour;
  }

  rejectKey(apiKey: string): void {
    this.rejectedKeys.add(apiKey);
  }

  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
    this.rejectedKeys.clear();
    this.defaultBehaviour = DEFAULT_BEHAVIOUR;
  }

  /** Destroys open connections too (hanging and held ones), so a test run can exit. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    const apiKey = bearerToken(request.headers.authorization);
    const body = await readJsonBody(request);
    this.requests.push({ path, apiKey, body });

    const createWriter = WRITERS[path];
    if (request.method !== 'POST' || !createWriter) {
      sendJson(response, 404, errorBody(404, `Unknown route ${path}.`));
      return;
    }
    if (apiKey === null || this.rejectedKeys.has(apiKey)) {
      sendJson(response, 401, this.invalidKeyBody(apiKey));
      return;
    }
    const behaviour = this.queue.shift() ?? this.defaultBehaviour;
    const writer = createWriter(body.model ?? 'fake-model');
    await this.perform(behaviour, writer, body, response);
  }

  /** Echoes the key, as OpenAI does (partly masked), so tests can prove a client never repeats it. */
  private invalidKeyBody(apiKey: string | null): object {
    return errorBody(
      401,
      apiKey === null
        ? 'You did not provide an API key.'
        : `Incorrect API key provided: ${apiKey}.`,
    );
  }

  private async perform(
    behaviour: FakeBehaviour,
    writer: WireWriter,
    body: FakeRequestBody,
    response: ServerResponse,
  ): Promise<void> {
    switch (behaviour.type) {
      case 'reply':
        return this.reply(behaviour, writer, body, response);
      case 'status':
        return this.answerStatus(behaviour, response);
      case 'hang':
        return;
      case 'break':
        return this.breakStream(behaviour.chunks, writer, response);
      case 'fail':
        return this.failStream(behaviour.chunks ?? [], writer, response);
      case 'hold':
        return this.holdStream(behaviour, writer, response);
    }
  }

  private async reply(
    behaviour: Extract<FakeBehaviour, { type: 'reply' }>,
    writer: WireWriter,
    body: FakeRequestBody,
    response: ServerResponse,
  ): Promise<void> {
    if (!(behaviour.stream ?? body.stream === true)) {
      sendJson(response, 200, writer.jsonReply(behaviour.text));
      return;
    }
    openEventStream(response);
    await write(response, writer.preamble());
    for (const chunk of behaviour.chunks ?? splitIntoChunks(behaviour.text)) {
      if (behaviour.chunkDelayMs) await sleep(behaviour.chunkDelayMs);
      await write(response, [writer.delta(chunk)]);
    }
    await write(response, writer.completion(behaviour.text));
    response.end();
  }

  private answerStatus(
    behaviour: Extract<FakeBehaviour, { type: 'status' }>,
    response: ServerResponse,
  ): void {
    const headers: Record<string, string> = behaviour.retryAfter
      ? { 'Retry-After': behaviour.retryAfter }
      : {};
    const body =
      behaviour.body ??
      errorBody(
        behaviour.status,
        `The fake provider answered ${behaviour.status}.`,
      );
    sendJson(response, behaviour.status, body, headers);
  }

  private async breakStream(
    chunks: string[],
    writer: WireWriter,
    response: ServerResponse,
  ): Promise<void> {
    openEventStream(response);
    await write(response, [
      ...writer.preamble(),
      ...chunks.map((chunk) => writer.delta(chunk)),
    ]);
    response.socket?.destroy();
  }

  private async failStream(
    chunks: string[],
    writer: WireWriter,
    response: ServerResponse,
  ): Promise<void> {
    openEventStream(response);
    await write(response, [
      ...writer.preamble(),
      ...chunks.map((chunk) => writer.delta(chunk)),
      ...writer.failure(),
    ]);
    response.end();
  }

  private async holdStream(
    behaviour: Extract<FakeBehaviour, { type: 'hold' }>,
    writer: WireWriter,
    response: ServerResponse,
  ): Promise<void> {
    const [first, ...rest] =
      behaviour.chunks ?? splitIntoChunks(behaviour.text);
    openEventStream(response);
    await write(response, [
      ...writer.preamble(),
      ...(first === undefined ? [] : [writer.delta(first)]),
    ]);
    await Promise.race([behaviour.release, closed(response)]);
    if (response.destroyed) return;
    await write(response, [
      ...rest.map((chunk) => writer.delta(chunk)),
      ...writer.completion(behaviour.text),
    ]);
    response.end();
  }
}
