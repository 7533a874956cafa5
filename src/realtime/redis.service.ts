import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Subject } from 'rxjs';

/** The Redis connections, or null without REDIS_URL (one instance, nothing shared). */
export const REDIS = Symbol('REDIS');

/** Namespace of every Redis key and pub/sub channel of this deployment. */
export const REDIS_KEY_PREFIX = Symbol('REDIS_KEY_PREFIX');

/** A command that takes longer meets a stalled connection: callers fall back instead of waiting. */
const COMMAND_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 3000;
const CLOSE_TIMEOUT_MS = 2000;

export type RedisClient = ReturnType<typeof createClient>;

/**
 * Where a Redis failure was met: a connection lost, a command of ours (presence), a broadcast the Socket.IO
 * adapter could not publish to the other instances (fan-out), or another adapter command.
 */
export type RedisErrorSource = 'connection' | 'command' | 'fan-out' | 'adapter';

/**
 * Pub/sub ignores database numbers, so the key prefix carries it: deployments sharing a Redis server on
 * different databases (`redis://host:6379/2`) stay apart, channels included.
 */
export function redisKeyPrefixFor(redisUrl: string | undefined): string {
  const database = redisUrl ? new URL(redisUrl).pathname.slice(1) : '';
  return `chat:${database || '0'}`;
}

/**
 * The two connections to Redis: `client` for commands and publishing, which fails at once while Redis is
 * unreachable so that nothing waits on it, and `subscriber` for the Socket.IO adapter's subscriptions. Both
 * reconnect by themselves; losing and regaining Redis is logged once each way.
 */
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  private readonly client: RedisClient;
  private readonly subscriber: RedisClient;
  /** Emits each time the command connection is (again) ready, for state Redis may have lost meanwhile. */
  readonly ready$ = new Subject<void>();
  /** Every failure, for metrics; the logs say only when Redis is lost and found again. */
  readonly errors$ = new Subject<RedisErrorSource>();
  private readonly readyClients = new Set<RedisClient>();
  private state: 'starting' | 'up' | 'down' = 'starting';
  private closing = false;

  constructor(
    url: string,
    readonly keyPrefix: string,
  ) {
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: CONNECT_TIMEOUT_MS },
    });
    this.subscriber = this.client.duplicate({ disableOfflineQueue: false });
    this.watch(this.client);
    this.watch(this.subscriber);
  }

  /** Waits until both connections are up or the first attempt fails: a Redis that is down never blocks start-up. */
  async onModuleInit(): Promise<void> {
    const connected = Promise.all([
      this.client.connect(),
      this.subscriber.connect(),
    ]);
    await new Promise<void>((resolve) => {
      connected.then(
        () => resolve(),
        () => resolve(),
      );
      this.client.once('error', () => resolve());
      this.subscriber.once('error', () => resolve());
    });
  }

  /** After the socket servers have closed (and presence has left): both connections, bounded in time. */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await Promise.all([this.client, this.subscriber].map(closeWithin));
  }

  key(...parts: string[]): string {
    return [this.keyPrefix, ...parts].join(':');
  }

  /** Runs commands on the command connection; a stalled connection fails them after COMMAND_TIMEOUT_MS. */
  run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
    return withinTimeout(command(this.client), COMMAND_TIMEOUT_MS).catch(
      (error: unknown) => {
        this.errors$.next('command');
        throw error;
      },
    );
  }

  /** For readiness checks; the error names neither the host nor the credentials. */
  async ping(): Promise<void> {
    try {
      await this.run((client) => client.ping());
    } catch {
      throw new Error('Redis does not answer');
    }
  }

  /** The Socket.IO adapter that carries rooms and fan-out across every instance on this Redis. */
  socketIoAdapter(): ReturnType<typeof createAdapter> {
    const failed = (method: string | symbol) =>
      this.errors$.next(method === 'publish' ? 'fan-out' : 'adapter');
    return createAdapter(
      withHandledRejections(this.client, failed),
      withHandledRejections(this.subscriber, failed),
      { key: this.key('socket.io') },
    );
  }

  private watch(client: RedisClient): void {
    client.on('ready', () => {
      this.readyClients.add(client);
      if (client === this.client) this.ready$.next();
      if (this.readyClients.size < 2 || this.state === 'up') return;
      this.logger.log(
        this.state === 'down'
          ? 'Redis is reachable again'
          : 'Presence and fan-out are shared through Redis',
      );
      this.state = 'up';
    });
    client.on('error', (error: Error & { code?: string }) => {
      this.readyClients.delete(client);
      if (!this.closing) this.errors$.next('connection');
      if (this.closing || this.state === 'down') return;
      this.state = 'down';
      this.logger.warn(
        `Redis is unreachable (${error.code ?? error.name}); until it is back, events reach only this ` +
          "instance's sockets and presence is this instance's own",
      );
    });
  }
}

/**
 * The Socket.IO adapter sends Redis commands without awaiting them; while Redis is unreachable their
 * promises reject, and an unhandled rejection would end the process. Every promise it gets has a handler,
 * which reports the failed method.
 */
function withHandledRejections(
  client: RedisClient,
  failed: (method: string | symbol) => void,
): RedisClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const result: unknown = value.apply(target, args);
        if (result instanceof Promise) result.catch(() => failed(property));
        return result;
      };
    },
  });
}

function withinTimeout<T>(command: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('Redis did not answer in time')),
      timeoutMs,
    );
  });
  return Promise.race([command, timedOut]).finally(() => clearTimeout(timer));
}

async function closeWithin(client: RedisClient): Promise<void> {
  if (!client.isOpen) return;
  if (client.isReady) {
    await withinTimeout(client.close(), CLOSE_TIMEOUT_MS).catch(
      () => undefined,
    );
  }
  if (client.isOpen) client.destroy();
}
