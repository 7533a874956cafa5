import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  Inject,
  Injectable,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';
import { Subscription } from 'rxjs';
import type { Namespace } from 'socket.io';
import {
  AiProviderClient,
  type AiProviderOutcome,
} from '../ai/ai-provider.client';
import {
  DATABASE_ERRORS_CHANNEL,
  type DatabaseErrorKind,
} from '../common/error-mapping';
import { ErrorCode, httpStatusOf } from '../common/errors';
import { MessagesService } from '../messages/messages.service';
import { AdminEvent } from '../realtime/admin.events';
import { ChatEventsPublisher } from '../realtime/chat-events.publisher';
import { PresenceService } from '../realtime/presence.service';
import { REDIS, type RedisService } from '../realtime/redis.service';
import { WidgetEvent } from '../realtime/widget.events';

/** Where an error answer left: a socket ack, an HTTP response, or a refused Socket.IO handshake. */
export type AnswerTransport = 'socket' | 'http' | 'handshake';

/** Event names are label values only when the server knows them: a client cannot invent new series. */
const KNOWN_EVENTS = new Set<string>([
  ...Object.values(WidgetEvent),
  ...Object.values(AdminEvent),
]);
const UNKNOWN_EVENT = 'unknown';

const CODE_BY_HTTP_STATUS = new Map<number, ErrorCode>(
  Object.values(ErrorCode).map((code) => [httpStatusOf(code), code]),
);
const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

/** Seconds; socket acks are expected in milliseconds, the answer deadline is 8 s. */
const ACK_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Seconds from sending a request to the provider to its first delta. */
const FIRST_DELTA_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32];

interface AckReply {
  ok?: unknown;
  error?: { code?: unknown };
}

/**
 * The Prometheus metrics of one app (a registry of its own, so that two apps in one process never collide).
 * Most are counted by listening to what the services already publish; the socket and HTTP observers report
 * answers. Nothing is labelled per session.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly subscriptions = new Subscription();
  private readonly namespaces: Namespace[] = [];
  /** Label lookups cost a hash per call; the ack path reuses each child. */
  private readonly ackTimers = new Map<
    string,
    Map<string, (seconds: number) => void>
  >();

  private readonly committed = new Counter({
    name: 'chat_messages_committed_total',
    help: 'Messages committed, by sender (user, admin, ai, system)',
    labelNames: ['sender'],
    registers: [this.registry],
  });
  private readonly ackSeconds = new Histogram({
    name: 'chat_ack_latency_seconds',
    help: 'Time from a socket event reaching the server to its ack, by namespace and event',
    labelNames: ['namespace', 'event'],
    buckets: ACK_BUCKETS,
    registers: [this.registry],
  });
  private readonly errorAnswers = new Counter({
    name: 'chat_error_answers_total',
    help: 'Error answers by code (RATE_LIMITED, UNAVAILABLE, …) and transport (socket ack, http, handshake)',
    labelNames: ['transport', 'code'],
    registers: [this.registry],
  });
  private readonly fanOutFailures = new Counter({
    name: 'chat_fanout_failures_total',
    help: 'Fan-outs that failed: a committed message whose fan-out threw, or a broadcast Redis could not carry to the other instances',
    labelNames: ['cause'],
    registers: [this.registry],
  });
  private readonly handoffs = new Counter({
    name: 'chat_handoffs_total',
    help: 'Hand-offs to a person: a visitor asked, or the AI stepped aside (failure, budget)',
    registers: [this.registry],
  });
  private readonly aiAttempts = new Counter({
    name: 'chat_ai_attempts_total',
    help: 'Requests to the AI provider, by outcome (ok, or the failure code)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly aiRetries = new Counter({
    name: 'chat_ai_retries_total',
    help: 'AI provider attempts after the first of a reply (retries and key failovers)',
    registers: [this.registry],
  });
  private readonly aiFailures = new Counter({
    name: 'chat_ai_failures_total',
    help: 'AI replies given up after every retry and key, by code (a cancelled reply is not a failure)',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly aiFirstDelta = new Histogram({
    name: 'chat_ai_first_delta_seconds',
    help: 'Time from sending a request to the AI provider to its first streamed delta',
    buckets: FIRST_DELTA_BUCKETS,
    registers: [this.registry],
  });
  private readonly aiDeltas = new Counter({
    name: 'chat_ai_stream_deltas_total',
    help: 'Deltas (chunks of text, roughly tokens) streamed from the AI provider',
    registers: [this.registry],
  });
  private readonly aiCharacters = new Counter({
    name: 'chat_ai_stream_characters_total',
    help: 'Characters streamed from the AI provider',
    registers: [this.registry],
  });
  private readonly databaseErrors = new Counter({
    name: 'chat_database_errors_total',
    help: 'Database failures met while answering: unavailable (unreachable, timed out) or query (any other failing statement)',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly redisErrors = new Counter({
    name: 'chat_redis_errors_total',
    help: "Redis failures: connection (a client lost Redis), command (presence), fan-out (a broadcast not published), adapter (the Socket.IO adapter's other commands)",
    labelNames: ['source'],
    registers: [this.registry],
  });
  private readonly onDatabaseError = (kind: unknown) =>
    this.databaseErrors.inc({ kind: kind as DatabaseErrorKind });

  constructor(
    private readonly messages: MessagesService,
    private readonly publisher: ChatEventsPublisher,
    private readonly presence: PresenceService,
    private readonly ai: AiProviderClient,
    @Inject(REDIS) private readonly redis: RedisService | null,
  ) {
    collectDefaultMetrics({ register: this.registry });
    const namespaces = this.namespaces;
    new Gauge({
      name: 'chat_connected_sockets',
      help: 'Sockets connected to this instance, by namespace',
      labelNames: ['namespace'],
      registers: [this.registry],
      collect() {
        for (const namespace of namespaces) {
          this.set({ namespace: namespace.name }, namespace.sockets.size);
        }
      },
    });
    new Gauge({
      name: 'chat_live_sessions',
      help: 'Sessions with a widget connected (on every instance when REDIS_URL is set)',
      registers: [this.registry],
      async collect() {
        this.set((await presence.activeSessionIds()).length);
      },
    });
  }

  onModuleInit(): void {
    this.subscriptions.add(
      this.messages.committed$.subscribe(({ message }) =>
        this.committed.inc({ sender: message.sender }),
      ),
    );
    this.subscriptions.add(
      this.messages.fanOutFailed$.subscribe(() =>
        this.fanOutFailures.inc({ cause: 'error' }),
      ),
    );
    this.subscriptions.add(
      this.publisher.handoffs$.subscribe(() => this.handoffs.inc()),
    );
    this.subscriptions.add(
      this.ai.outcomes$.subscribe((outcome) => this.countAi(outcome)),
    );
    if (this.redis) {
      this.subscriptions.add(
        this.redis.errors$.subscribe((source) => {
          this.redisErrors.inc({ source });
          if (source === 'fan-out') {
            this.fanOutFailures.inc({ cause: 'redis' });
          }
        }),
      );
    }
    subscribe(DATABASE_ERRORS_CHANNEL, this.onDatabaseError);
  }

  onModuleDestroy(): void {
    this.subscriptions.unsubscribe();
    unsubscribe(DATABASE_ERRORS_CHANNEL, this.onDatabaseError);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text a Prometheus scrape gets. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /** A namespace whose connected sockets the gauge reports. */
  watchNamespace(namespace: Namespace): void {
    this.namespaces.push(namespace);
  }

  /** A socket event was acked `seconds` after it arrived; a refusal also counts by its code. */
  acked(
    namespace: string,
    event: string,
    seconds: number,
    reply: unknown,
  ): void {
    this.ackObserver(namespace, event)(seconds);
    const { ok, error } = (reply ?? {}) as AckReply;
    if (ok === false) this.errorAnswer('socket', error?.code);
  }

  private ackObserver(
    namespace: string,
    event: string,
  ): (seconds: number) => void {
    const label = KNOWN_EVENTS.has(event) ? event : UNKNOWN_EVENT;
    let byEvent = this.ackTimers.get(namespace);
    if (!byEvent) this.ackTimers.set(namespace, (byEvent = new Map()));
    let observe = byEvent.get(label);
    if (!observe) {
      const child = this.ackSeconds.labels({ namespace, event: label });
      observe = (seconds) => child.observe(seconds);
      byEvent.set(label, observe);
    }
    return observe;
  }

  /** An HTTP response went out; error statuses count by the code the body carries. */
  httpAnswered(status: number): void {
    if (status >= 400)
      this.errorAnswer('http', CODE_BY_HTTP_STATUS.get(status));
  }

  /** Socket.IO refused a handshake with this reason (`RATE_LIMITED` when an address has too many). */
  handshakeRefused(reason: unknown): void {
    this.errorAnswer('handshake', reason);
  }

  private errorAnswer(transport: AnswerTransport, code: unknown): void {
    if (typeof code === 'string' && ERROR_CODES.has(code)) {
      this.errorAnswers.inc({ transport, code });
    }
  }

  private countAi(outcome: AiProviderOutcome): void {
    if (outcome.kind === 'reply') {
      if (outcome.result !== 'ok' && outcome.result !== 'ABORTED') {
        this.aiFailures.inc({ code: outcome.result });
      }
      return;
    }
    this.aiAttempts.inc({ outcome: outcome.result });
    if (outcome.attempt > 1) this.aiRetries.inc();
    if (outcome.firstDeltaMs !== undefined) {
      this.aiFirstDelta.observe(outcome.firstDeltaMs / 1000);
    }
    if (outcome.deltas > 0) this.aiDeltas.inc(outcome.deltas);
    if (outcome.characters > 0) this.aiCharacters.inc(outcome.characters);
  }
}
