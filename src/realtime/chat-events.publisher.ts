import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { Namespace, Server, Socket } from 'socket.io';
import type { MessageView } from '../messages/dto/message.view';
import { toSeedMessageView } from '../messages/dto/seed-message.view';
import type { SessionSummary } from '../sessions/dto/session.view';
import { AdminServerEvent, type AdminServerEvents } from './admin.events';
import type { ClientProtocol } from './client-protocol';
import { ADMINS_ROOM, seedSessionRoom, sessionRoom } from './rooms';
import {
  WidgetServerEvent,
  type AiModeChangedEvent,
  type WidgetServerEvents,
} from './widget.events';

export const WIDGET_NAMESPACE = '/';
export const ADMIN_NAMESPACE = '/admin';

/** `message` reaches widgets only through messageCommitted, which knows the seed's shape. */
type WidgetBroadcastEvent = Exclude<
  keyof WidgetServerEvents,
  typeof WidgetServerEvent.Message
>;

/**
 * The one place that fans events out: it owns the room names (`session:<id>` in each namespace,
 * `seed-session:<id>` for the seed's widgets, `admins`) and emits once per room, so services never touch
 * sockets.
 */
@Injectable()
export class ChatEventsPublisher {
  /** Each hand-off to a person, whoever asked for it, as the admins are told (for metrics). */
  readonly handoffs$ = new Subject<string>();
  private io?: Server;

  /** Called by each gateway once its namespace exists; both share the same Socket.IO server. */
  attach(namespace: Namespace): void {
    this.io = namespace.server;
  }

  joinSession(socket: Socket, sessionId: string): Promise<void> | void {
    return socket.join(sessionRoom(sessionId));
  }

  /** A widget socket joins its session's room, and the seed's widgets the seed room as well, in one step. */
  joinWidgetSession(
    socket: Socket,
    sessionId: string,
    protocol: ClientProtocol,
  ): Promise<void> | void {
    return socket.join(
      protocol === 'seed'
        ? [sessionRoom(sessionId), seedSessionRoom(sessionId)]
        : sessionRoom(sessionId),
    );
  }

  leaveSession(socket: Socket, sessionId: string): Promise<void> | void {
    return socket.leave(sessionRoom(sessionId));
  }

  joinAdmins(socket: Socket): Promise<void> | void {
    return socket.join(ADMINS_ROOM);
  }

  toSessionWidgets<E extends WidgetBroadcastEvent>(
    sessionId: string,
    event: E,
    payload: WidgetServerEvents[E],
    exceptSocketId?: string,
  ): void {
    this.except(
      this.namespace(WIDGET_NAMESPACE).to(sessionRoom(sessionId)),
      exceptSocketId,
    ).emit(event, payload);
  }

  toJoinedAdmins<E extends keyof AdminServerEvents>(
    sessionId: string,
    event: E,
    payload: AdminServerEvents[E],
    exceptSocketId?: string,
  ): void {
    this.except(
      this.namespace(ADMIN_NAMESPACE).to(sessionRoom(sessionId)),
      exceptSocketId,
    ).emit(event, payload);
  }

  toAllAdmins<E extends keyof AdminServerEvents>(
    event: E,
    payload: AdminServerEvents[E],
    exceptSocketId?: string,
  ): void {
    this.except(
      this.namespace(ADMIN_NAMESPACE).to(ADMINS_ROOM),
      exceptSocketId,
    ).emit(event, payload);
  }

  /** The same event to the session's widget sockets and the admins who joined it. */
  toSession<E extends WidgetBroadcastEvent & keyof AdminServerEvents>(
    sessionId: string,
    event: E,
    payload: WidgetServerEvents[E] & AdminServerEvents[E],
  ): void {
    this.toSessionWidgets(sessionId, event, payload);
    this.toJoinedAdmins(sessionId, event, payload);
  }

  /**
   * A committed message: `message` to the session's other sockets (the seed's widgets get the seed's shape),
   * `new-message` to every other admin.
   */
  messageCommitted(message: MessageView, senderSocketId?: string): void {
    const widgets = this.namespace(WIDGET_NAMESPACE);
    const seedRoom = seedSessionRoom(message.sessionId);
    this.except(
      widgets.to(sessionRoom(message.sessionId)).except(seedRoom),
      senderSocketId,
    ).emit(WidgetServerEvent.Message, message);
    this.except(widgets.to(seedRoom), senderSocketId).emit(
      WidgetServerEvent.Message,
      toSeedMessageView(message),
    );
    this.toJoinedAdmins(
      message.sessionId,
      AdminServerEvent.Message,
      message,
      senderSocketId,
    );
    this.toAllAdmins(
      AdminServerEvent.NewMessage,
      { sessionId: message.sessionId, message },
      senderSocketId,
    );
  }

  sessionUpdated(session: SessionSummary): void {
    this.toAllAdmins(AdminServerEvent.SessionUpdated, { session });
  }

  /** A person is asked to take the session over: the visitor asked, or the AI stepped aside. */
  handoffRequested(sessionId: string): void {
    this.toAllAdmins(AdminServerEvent.HandoffRequested, { sessionId });
    this.handoffs$.next(sessionId);
  }

  aiModeChanged(change: AiModeChangedEvent): void {
    this.toSessionWidgets(
      change.sessionId,
      WidgetServerEvent.AiModeChanged,
      change,
    );
    this.toAllAdmins(AdminServerEvent.AiModeChanged, change);
  }

  private namespace(name: string): Namespace {
    if (!this.io) throw new Error('The Socket.IO server is not attached yet');
    return this.io.of(name);
  }

  private except<T extends { except(room: string): T }>(
    target: T,
    socketId?: string,
  ): T {
    return socketId ? target.except(socketId) : target;
  }
}
