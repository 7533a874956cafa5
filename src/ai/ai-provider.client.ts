import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AxiosResponse } from 'axios';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { firstValueFrom, Subject } from 'rxjs';
import type { AiApiStyle, Settings } from '../config/settings';

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface ReplyRequest {
  history: ChatTurn[];
  signal: AbortSignal;
}

export interface ReplyStreamHandlers {
  /** An attempt got its first byte from the provider; its deltas will carry this fresh streamId. */
  onAttempt(streamId: string): void;
  onDelta(streamId: string, text: string): void;
}

export type AiFailureCode =
  | 'RATE_LIMITED'
  | 'PROVIDER_ERROR'
  | 'TIMEOUT'
  | 'AUTH_FAILED'
  | 'BAD_REQUEST'
  | 'NETWORK_ERROR'
  | 'ABORTED'
  | 'EMPTY_REPLY';

/**
 * What the client reports as it works, for metrics: each attempt (a request to the provider) with what it
 * streamed, and each reply's end.
 */
export type AiProviderOutcome =
  | {
      kind: 'attempt';
      /** 1 for a reply's first request; more for its retries and key failovers. */
      attempt: number;
      result: 'ok' | AiFailureCode;
      /** From sending the request to the first delta, when one arrived. */
      firstDeltaMs?: number;
      deltas: number;
      characters: number;
    }
  | { kind: 'reply'; result: 'ok' | AiFailureCode };

/** What one attempt streamed, counted as it goes. */
interface AttemptStream {
  startedAt: number;
  firstDeltaMs?: number;
  deltas: number;
  characters: number;
}

function attemptOutcome(
  attempt: number,
  result: 'ok' | AiFailureCode,
  { firstDeltaMs, deltas, characters }: AttemptStream,
): AiProviderOutcome {
  return { kind: 'attempt', attempt, result, firstDeltaMs, deltas, characters };
}

/** Carries only a code and a message of our own: never a key, a header or the provider's words. */
export class AiProviderError extends Error {
  constructor(
    readonly code: AiFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'AiProviderError';
  }
}

export interface AiRetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

export const AI_RETRY_POLICY = Symbol('AI_RETRY_POLICY');

export const DEFAULT_AI_RETRY_POLICY: AiRetryPolicy = {
  baseDelayMs: 500,
  maxDelayMs: 8000,
};

const RETRYABLE_CODES = new Set<AiFailureCode>([
  'RATE_LIMITED',
  'PROVIDER_ERROR',
  'TIMEOUT',
  'NETWORK_ERROR',
]);

const MAX_ERROR_BODY_CHARS = 64 * 1024;
const MAX_JSON_REPLY_CHARS = 4 * 1024 * 1024;

type KeyRejection = 'auth' | 'quota';

/** Why one attempt failed, with what the retry loop needs to decide what comes next. */
class AttemptFailure extends Error {
  constructor(
    readonly code: AiFailureCode,
    message: string,
    readonly details: {
      status?: number;
      retryAfterMs?: number;
      keyRejection?: KeyRejection;
    } = {},
  ) {
    super(message);
  }

  get retryable(): boolean {
    return RETRYABLE_CODES.has(this.code);
  }

  toProviderError(): AiProviderError {
    return new AiProviderError(this.code, this.message);
  }
}

/** Wraps what a caller's handler threw: their bug, not the provider's, so it is neither retried nor renamed. */
class HandlerFailure extends Error {
  constructor(readonly original: unknown) {
    super('A reply stream handler threw.');
  }
}

const failures = {
  aborted: () => new AttemptFailure('ABORTED', 'The AI reply was cancelled.'),
  timeout: () =>
    new AttemptFailure('TIMEOUT', 'The AI provider did not respond in time.'),
  unreachable: () =>
    new AttemptFailure('NETWORK_ERROR', 'Could not reach the AI provider.'),
  streamCut: () =>
    new AttemptFailure(
      'NETWORK_ERROR',
      'The AI provider closed the stream before the reply was complete.',
    ),
  streamFailed: () =>
    new AttemptFailure(
      'PROVIDER_ERROR',
      'The AI provider reported an error while answering.',
    ),
  unreadable: () =>
    new AttemptFailure(
      'PROVIDER_ERROR',
      'The AI provider sent an answer that could not be read.',
    ),
  empty: () =>
    new AttemptFailure(
      'EMPTY_REPLY',
      'The AI provider returned an empty reply.',
    ),
};

type StreamSignal =
  | { kind: 'delta'; text: string }
  | { kind: 'done' }
  | { kind: 'failed' }
  | { kind: 'ignored' };

/** What differs between the two OpenAI-compatible APIs; everything else is shared. */
interface WireFormat {
  readonly path: string;
  requestBody(model: string, systemPrompt: string, history: ChatTurn[]): object;
  readEvent(event: EventSourceMessage): StreamSignal;
  readJsonReply(body: object): string;
}

interface ResponsesStreamEvent {
  type?: string;
  delta?: unknown;
}

interface ResponsesJsonReply {
  output_text?: unknown;
  output?: { content?: { text?: unknown }[] }[];
}

interface ChatCompletionChunk {
  choices?: { delta?: { content?: unknown } }[];
  error?: unknown;
}

interface ChatCompletionJsonReply {
  choices?: { message?: { content?: unknown } }[];
}

const responsesFormat: WireFormat = {
  path: '/responses',
  requestBody: (model, systemPrompt, history) => ({
    model,
    instructions: systemPrompt,
    input: history.map(({ role, content }) => ({ role, content })),
    stream: true,
  }),
  readEvent(event) {
    const payload = parseJsonObject<ResponsesStreamEvent>(event.data);
    if (!payload) return { kind: 'failed' };
    switch (payload.type ?? event.event) {
      case 'response.output_text.delta':
        return textSignal(payload.delta);
      case 'response.completed':
      // An incomplete response (output token limit, content filter) still ends the stream normally.
      case 'response.incomplete':
        return { kind: 'done' };
      case 'response.failed':
      case 'error':
        return { kind: 'failed' };
      default:
        return { kind: 'ignored' };
    }
  },
  readJsonReply(body) {
    const reply = body as ResponsesJsonReply;
    if (typeof reply.output_text === 'string') return reply.output_text;
    return arrayOf(reply.output)
      .flatMap((item) => arrayOf(item?.content))
      .map((part) => (typeof part?.text === 'string' ? part.text : ''))
      .join('');
  },
};

const chatCompletionsFormat: WireFormat = {
  path: '/chat/completions',
  requestBody: (model, systemPrompt, history) => ({
    model,
    messages: [
      { role: 'system', content: systemPrompt },
      ...history.map(({ role, content }) => ({ role, content })),
    ],
    stream: true,
  }),
  readEvent(event) {
    if (event.data.trim() === '[DONE]') return { kind: 'done' };
    const chunk = parseJsonObject<ChatCompletionChunk>(event.data);
    if (!chunk || chunk.error !== undefined) return { kind: 'failed' };
    return textSignal(arrayOf(chunk.choices)[0]?.delta?.content);
  },
  readJsonReply(body) {
    const content = arrayOf((body as ChatCompletionJsonReply).choices)[0]
      ?.message?.content;
    return typeof content === 'string' ? content : '';
  },
};

const WIRE_FORMATS: Record<AiApiStyle, WireFormat> = {
  responses: responsesFormat,
  'chat-completions': chatCompletionsFormat,
};

function textSignal(text: unknown): StreamSignal {
  return typeof text === 'string' && text.length > 0
    ? { kind: 'delta', text }
    : { kind: 'ignored' };
}

function parseJsonObject<T extends object>(text: string): T | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null
      ? (value as T)
      : undefined;
  } catch {
    return undefined;
  }
}

function arrayOf<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

/** Retry-After is either delta-seconds or an HTTP date. */
function parseRetryAfter(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function isQuotaError(body: object | undefined): boolean {
  const error = (body as { error?: { code?: unknown; type?: unknown } })?.error;
  return (
    error?.code === 'insufficient_quota' || error?.type === 'insufficient_quota'
  );
}

async function readText(stream: Readable, limit: number): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    text += chunk;
    if (text.length > limit) break;
  }
  return text;
}

/** Fires when no byte arrived for `ms`; every chunk resets it. */
class IdleTimer {
  expired = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly onExpire: () => void,
  ) {
    this.reset();
  }

  reset(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.onExpire();
    }, this.ms);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** The keys still worth trying for one reply, in the configured order. */
class KeyRing {
  private index = 0;
  private authRejections = 0;

  constructor(private readonly keys: readonly string[]) {}

  get current(): string {
    return this.keys[this.index];
  }

  get position(): number {
    return this.index + 1;
  }

  get exhausted(): boolean {
    return this.index >= this.keys.length;
  }

  get allRejectedAuth(): boolean {
    return this.authRejections === this.keys.length;
  }

  reject(reason: KeyRejection): void {
    if (reason === 'auth') this.authRejections++;
    this.index++;
  }
}

interface Attempt {
  apiKey: string;
  request: ReplyRequest;
  handlers: ReplyStreamHandlers;
  stream: AttemptStream;
}

@Injectable()
export class AiProviderClient {
  private readonly logger = new Logger(AiProviderClient.name);
  readonly outcomes$ = new Subject<AiProviderOutcome>();

  constructor(
    private readonly http: HttpService,
    private readonly config: ConfigService<Settings, true>,
    @Inject(AI_RETRY_POLICY) private readonly retryPolicy: AiRetryPolicy,
  ) {}

  get isConfigured(): boolean {
    return this.config.get('aiApiKeys', { infer: true }).length > 0;
  }

  /** Streams one reply, retrying and failing over across keys; resolves with the successful attempt's text. */
  async streamReply(
    request: ReplyRequest,
    handlers: ReplyStreamHandlers,
  ): Promise<string> {
    try {
      const text = await this.attemptUntilDone(request, handlers);
      this.outcomes$.next({ kind: 'reply', result: 'ok' });
      return text;
    } catch (error) {
      if (error instanceof AiProviderError) {
        this.outcomes$.next({ kind: 'reply', result: error.code });
      }
      throw error;
    }
  }

  private async attemptUntilDone(
    request: ReplyRequest,
    handlers: ReplyStreamHandlers,
  ): Promise<string> {
    const keys = new KeyRing(this.config.get('aiApiKeys', { infer: true }));
    if (keys.exhausted) {
      throw new AiProviderError('AUTH_FAILED', 'No AI API key is configured.');
    }
    const attempts = this.config.get('aiMaxRetries', { infer: true }) + 1;
    for (let attempt = 1; ; attempt++) {
      const stream: AttemptStream = {
        startedAt: performance.now(),
        deltas: 0,
        characters: 0,
      };
      try {
        this.throwIfAborted(request.signal);
        const text = await this.runAttempt({
          apiKey: keys.current,
          request,
          handlers,
          stream,
        });
        this.outcomes$.next(attemptOutcome(attempt, 'ok', stream));
        this.logger.debug(`AI reply complete after ${attempt} attempt(s)`);
        return text;
      } catch (error) {
        if (!(error instanceof AttemptFailure)) throw error;
        this.outcomes$.next(attemptOutcome(attempt, error.code, stream));
        this.logFailedAttempt(error, attempt, attempts);
        const isLast = attempt === attempts;
        if (error.details.keyRejection) {
          keys.reject(error.details.keyRejection);
          if (keys.allRejectedAuth) throw this.allKeysRejected();
          if (keys.exhausted || isLast) throw error.toProviderError();
          this.logger.debug(`Switching to AI API key #${keys.position}`);
          continue;
        }
        if (!error.retryable || isLast) throw error.toProviderError();
        await this.waitBeforeRetry(attempt, error, request.signal);
      }
    }
  }

  private async runAttempt({
    apiKey,
    request,
    handlers,
    stream,
  }: Attempt): Promise<string> {
    const format = WIRE_FORMATS[this.config.get('aiApiStyle', { infer: true })];
    const cancellation = new AbortController();
    const cancel = () => cancellation.abort();
    const idle = new IdleTimer(this.timeoutMs, cancel);
    request.signal.addEventListener('abort', cancel);
    let body: Readable | undefined;
    let answered = false;
    try {
      const response = await this.send(
        format,
        apiKey,
        request.history,
        cancellation.signal,
      );
      body = response.data;
      answered = true;
      idle.reset();
      const streamId = randomUUID();
      this.notify(() => handlers.onAttempt(streamId));
      if (response.status < 200 || response.status >= 300) {
        throw await this.failureForStatus(response);
      }
      const deliver = (text: string) => {
        if (!cancellation.signal.aborted) {
          stream.firstDeltaMs ??= performance.now() - stream.startedAt;
          stream.deltas++;
          stream.characters += text.length;
          this.notify(() => handlers.onDelta(streamId, text));
        }
      };
      const text = this.isJson(response)
        ? await this.readJsonReply(response.data, format, deliver)
        : await this.readEventStream(response.data, format, deliver, idle);
      this.throwIfAborted(cancellation.signal);
      return text;
    } catch (error) {
      throw this.classify(error, request.signal, idle, answered);
    } finally {
      idle.stop();
      request.signal.removeEventListener('abort', cancel);
      body?.destroy();
    }
  }

  private send(
    format: WireFormat,
    apiKey: string,
    history: ChatTurn[],
    signal: AbortSignal,
  ): Promise<AxiosResponse<Readable>> {
    const url = `${this.config.get('aiBaseUrl', { infer: true })}${format.path}`;
    const body = format.requestBody(
      this.config.get('aiModel', { infer: true }),
      this.config.get('aiSystemPrompt', { infer: true }),
      history,
    );
    return firstValueFrom(
      this.http.post<Readable>(url, body, {
        headers: {
          Authorization: `Bearer ${apiKey}`,
          'Content-Type': 'application/json',
          Accept: 'text/event-stream, application/json',
        },
        responseType: 'stream',
        signal,
        // Statuses are judged here, so that axios never builds an error around the request config.
        validateStatus: () => true,
      }),
    );
  }

  private async failureForStatus(
    response: AxiosResponse<Readable>,
  ): Promise<AttemptFailure> {
    const status = response.status;
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    if (status === 401 || status === 403) {
      return new AttemptFailure(
        'AUTH_FAILED',
        'The AI provider rejected the API key.',
        { status, keyRejection: 'auth' },
      );
    }
    if (status === 429) {
      const body = parseJsonObject(
        await readText(response.data, MAX_ERROR_BODY_CHARS),
      );
      return isQuotaError(body)
        ? new AttemptFailure(
            'RATE_LIMITED',
            'The AI provider account has run out of quota.',
            { status, keyRejection: 'quota' },
          )
        : new AttemptFailure(
            'RATE_LIMITED',
            'The AI provider is rate limiting requests.',
            { status, retryAfterMs },
          );
    }
    if (status === 408) {
      return new AttemptFailure(
        'TIMEOUT',
        'The AI provider did not respond in time.',
        { status, retryAfterMs },
      );
    }
    if (status >= 500) {
      return new AttemptFailure(
        'PROVIDER_ERROR',
        `The AI provider failed to answer (HTTP ${status}).`,
        { status, retryAfterMs },
      );
    }
    return new AttemptFailure(
      'BAD_REQUEST',
      `The AI provider refused the request (HTTP ${status}).`,
      { status },
    );
  }

  private isJson(response: AxiosResponse<Readable>): boolean {
    return String(response.headers['content-type'] ?? '').includes('json');
  }

  private async readJsonReply(
    stream: Readable,
    format: WireFormat,
    deliver: (text: string) => void,
  ): Promise<string> {
    const body = parseJsonObject(await readText(stream, MAX_JSON_REPLY_CHARS));
    if (!body) throw failures.unreadable();
    const text = format.readJsonReply(body);
    if (text.trim() === '') throw failures.empty();
    deliver(text);
    return text;
  }

  private async readEventStream(
    stream: Readable,
    format: WireFormat,
    deliver: (text: string) => void,
    idle: IdleTimer,
  ): Promise<string> {
    let text = '';
    let ending: 'done' | 'failed' | undefined;
    const parser = createParser({
      onEvent: (event) => {
        if (ending) return;
        const signal = format.readEvent(event);
        if (signal.kind === 'delta') {
          text += signal.text;
          deliver(signal.text);
        } else if (signal.kind !== 'ignored') {
          ending = signal.kind;
        }
      },
    });
    stream.setEncoding('utf8');
    for await (const chunk of stream as AsyncIterable<string>) {
      idle.reset();
      parser.feed(chunk);
      if (ending) break;
    }
    if (ending === 'failed') throw failures.streamFailed();
    if (ending !== 'done') throw failures.streamCut();
    if (text.trim() === '') throw failures.empty();
    return text;
  }

  /** Turns whatever ended an attempt into an AttemptFailure, except a handler's own error, which passes through. */
  private classify(
    error: unknown,
    requestSignal: AbortSignal,
    idle: IdleTimer,
    answered: boolean,
  ): unknown {
    if (error instanceof HandlerFailure) return error.original;
    if (requestSignal.aborted) return failures.aborted();
    if (idle.expired) return failures.timeout();
    if (error instanceof AttemptFailure) return error;
    // Anything else came from axios, the socket or the stream: never let it out, it may carry the request headers.
    return answered ? failures.streamCut() : failures.unreachable();
  }

  private notify(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      throw new HandlerFailure(error);
    }
  }

  private async waitBeforeRetry(
    attempt: number,
    failure: AttemptFailure,
    signal: AbortSignal,
  ): Promise<void> {
    const delayMs = this.retryDelayMs(attempt, failure.details.retryAfterMs);
    this.logger.debug(`Retrying the AI provider in ${delayMs} ms`);
    try {
      await sleep(delayMs, undefined, { signal });
    } catch {
      throw failures.aborted().toProviderError();
    }
  }

  /** Exponential backoff with full jitter, unless the provider said when to come back. */
  private retryDelayMs(attempt: number, retryAfterMs?: number): number {
    if (retryAfterMs !== undefined) {
      return Math.min(retryAfterMs, this.timeoutMs);
    }
    const { baseDelayMs, maxDelayMs } = this.retryPolicy;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(Math.random() * ceiling);
  }

  private allKeysRejected(): AiProviderError {
    return new AiProviderError(
      'AUTH_FAILED',
      'The AI provider rejected every configured API key.',
    );
  }

  private logFailedAttempt(
    failure: AttemptFailure,
    attempt: number,
    attempts: number,
  ): void {
    if (failure.code === 'ABORTED') {
      this.logger.debug(`AI reply cancelled during attempt ${attempt}`);
      return;
    }
    const cause = failure.details.status
      ? `HTTP ${failure.details.status}`
      : failure.code;
    this.logger.warn(
      `AI provider attempt ${attempt}/${attempts} failed: ${cause}`,
    );
  }

  private throwIfAborted(signal: AbortSignal): void {
    if (signal.aborted) throw failures.aborted();
  }

  private get timeoutMs(): number {
    return this.config.get('aiTimeoutMs', { infer: true });
  }
}
