import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ExtendedError, Namespace, Server, Socket } from 'socket.io';
import { METRICS } from './metrics.token';
import type { MetricsService } from './metrics.service';
import {
  correlationIdFrom,
  type RequestContext,
  runInContext,
  sessionIdFrom,
} from './request-context';

type Packet = unknown[];
type Next = (error?: ExtendedError) => void;

/** One socket event: its id is made only if a line is written while it is handled. */
class SocketEventContext implements RequestContext {
  private id?: string;

  constructor(private readonly payload: unknown) {}

  get correlationId(): string {
    return (this.id ??= randomUUID());
  }

  sessionId(): string | undefined {
    return sessionIdFrom(
      (this.payload as { sessionId?: unknown } | null)?.sessionId,
    );
  }
}

/**
 * Sees every namespace of the Socket.IO server before the gateways do: each connection's handshake and each
 * socket event runs in a request context (so its log lines carry a correlation id and the session id), and
 * with metrics on, each ack is timed and each refusal counted. Its middleware comes first, so it sees the
 * refusals of the rate limits too.
 */
@Injectable()
export class SocketObserver {
  constructor(
    @Inject(METRICS) private readonly metrics: MetricsService | null,
  ) {}

  /** Called by the IO adapter with the server it created, before any gateway adds its namespace. */
  observe(server: Server): void {
    this.watch(server.of('/'));
    server.on('new_namespace', (namespace) => this.watch(namespace));
    const metrics = this.metrics;
    if (metrics) {
      server.engine.on(
        'connection_error',
        (error: { context?: { message?: unknown } }) =>
          metrics.handshakeRefused(error.context?.message),
      );
    }
  }

  private watch(namespace: Namespace): void {
    this.metrics?.watchNamespace(namespace);
    namespace.use((socket, next) => {
      socket.use((packet, nextEvent) =>
        this.onEvent(namespace.name, packet, nextEvent),
      );
      this.onConnection(socket, next);
    });
  }

  /** The handshake's own id (a proxy's X-Request-Id), for what is logged while the connection is set up. */
  private onConnection(socket: Socket, next: Next): void {
    const correlationId = correlationIdFrom(
      socket.handshake.headers['x-request-id'],
    );
    runInContext({ correlationId, sessionId: () => undefined }, next);
  }

  private onEvent(namespace: string, packet: Packet, next: Next): void {
    const metrics = this.metrics;
    const last = packet.length - 1;
    const ack = packet[last];
    if (metrics && last > 0 && typeof ack === 'function') {
      const event = String(packet[0]);
      const startedAt = performance.now();
      packet[last] = (reply: unknown) => {
        metrics.acked(
          namespace,
          event,
          (performance.now() - startedAt) / 1000,
          reply,
        );
        (ack as (reply: unknown) => void)(reply);
      };
    }
    runInContext(new SocketEventContext(packet[1]), next);
  }
}
