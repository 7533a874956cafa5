import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ExtendedError, Namespace, Server, Socket } from 'socket.io';
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
 * socket event runs in a request context, so that its log lines carry a correlation id and the session id.
 */
@Injectable()
export class SocketObserver {
  /** Called by the IO adapter with the server it created, before any gateway adds its namespace. */
  observe(server: Server): void {
    this.watch(server.of('/'));
    server.on('new_namespace', (namespace) => this.watch(namespace));
  }

  private watch(namespace: Namespace): void {
    namespace.use((socket, next) => {
      socket.use((packet, nextEvent) => this.onEvent(packet, nextEvent));
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

  private onEvent(packet: Packet, next: Next): void {
    runInContext(new SocketEventContext(packet[1]), next);
  }
}
