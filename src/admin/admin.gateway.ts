import {
  Logger,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
} from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { AdminAccountsService } from '../auth/admin-accounts.service';
import {
  AuthService,
  type AdminActor,
  toAdminActor,
} from '../auth/auth.service';
import { DtoValidationPipe } from '../common/validation';
import {
  AckInterceptor,
  refuseUnknownEvents,
  WsAckExceptionFilter,
} from '../common/ws-ack';
import { SessionMessagePageDto } from '../messages/dto/message-page.dto';
import { HistoryReadGuard } from '../messages/history-read.guard';
import { SendMessageDto } from '../messages/dto/send-message.dto';
import { MessagesService } from '../messages/messages.service';
import {
  AdminEvent,
  type AdminAnswer,
  AdminServerEvent,
} from '../realtime/admin.events';
import { WidgetEvent } from '../realtime/widget.events';
import {
  ADMIN_NAMESPACE,
  ChatEventsPublisher,
} from '../realtime/chat-events.publisher';
import {
  AssignSessionDto,
  ListSessionsQuery,
  ToggleAiModeDto,
} from '../sessions/dto/session-admin.dto';
import {
  AdminMarkReadDto,
  SessionIdParams,
  TypingDto,
} from '../sessions/dto/session-ref.dto';
import type { SessionSummary } from '../sessions/dto/session.view';
import { SessionAdminService } from '../sessions/session-admin.service';
import { SessionsService } from '../sessions/sessions.service';
import {
  handshakeRefusal,
  handshakeToken,
  setSocketAdmin,
  SocketAdmin,
  socketAdminId,
} from './admin-socket';

const ADMIN_EVENTS = new Set<string>(Object.values(AdminEvent));
const WIDGET_EVENTS = new Set<string>(Object.values(WidgetEvent));

/** The admin half of the wire contract, on namespace `/admin`. Only signed-in agents get in. */
@WebSocketGateway({ namespace: ADMIN_NAMESPACE })
@UseFilters(WsAckExceptionFilter)
@UsePipes(DtoValidationPipe)
@UseInterceptors(AckInterceptor)
export class AdminGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(AdminGateway.name);

  constructor(
    private readonly auth: AuthService,
    private readonly accounts: AdminAccountsService,
    private readonly sessions: SessionsService,
    private readonly sessionAdmin: SessionAdminService,
    private readonly messages: MessagesService,
    private readonly publisher: ChatEventsPublisher,
  ) {}

  afterInit(namespace: Namespace): void {
    this.publisher.attach(namespace);
    // The token is checked during the handshake, so a refused client never sees a single event.
    namespace.use((socket, next) => {
      this.auth.authenticate(handshakeToken(socket)).then(
        (admin) => {
          setSocketAdmin(socket, toAdminActor(admin, socket.id));
          refuseUnknownEvents(socket, ADMIN_EVENTS, WIDGET_EVENTS);
          next();
        },
        (error: unknown) => next(handshakeRefusal(error)),
      );
    });
    // An account disabled or signed out is disconnected at once, not only at its next handshake.
    this.accounts.revoked$.subscribe((adminId) => {
      this.disconnectAdmin(namespace, adminId).catch((error: Error) =>
        this.logger.warn(
          `Could not close a signed-out account's sockets: ${error.message}`,
        ),
      );
    });
  }

  async handleConnection(socket: Socket): Promise<void> {
    await this.publisher.joinAdmins(socket);
    await this.sendLiveSessions(socket).catch((error: Error) =>
      this.logger.warn(`Could not send the session list: ${error.message}`),
    );
  }

  @SubscribeMessage(AdminEvent.AdminConnect)
  adminConnect(
    @ConnectedSocket() socket: Socket,
  ): AdminAnswer<typeof AdminEvent.AdminConnect> {
    return this.sendLiveSessions(socket).then(() => undefined);
  }

  @SubscribeMessage(AdminEvent.GetSessions)
  async getSessions(
    @ConnectedSocket() socket: Socket,
  ): AdminAnswer<typeof AdminEvent.GetSessions> {
    return { sessions: await this.sendLiveSessions(socket) };
  }

  @SubscribeMessage(AdminEvent.GetAllSessions)
  async getAllSessions(
    @ConnectedSocket() socket: Socket,
    @MessageBody() query: ListSessionsQuery,
  ): AdminAnswer<typeof AdminEvent.GetAllSessions> {
    const page = await this.sessionAdmin.list(query);
    socket.emit(AdminServerEvent.AllSessionsList, page.sessions);
    return page;
  }

  @SubscribeMessage(AdminEvent.GetMessages)
  @UseGuards(HistoryReadGuard)
  async getMessages(
    @ConnectedSocket() socket: Socket,
    @SocketAdmin() admin: AdminActor,
    @MessageBody() dto: SessionMessagePageDto,
  ): AdminAnswer<typeof AdminEvent.GetMessages> {
    const page = await this.messages.page(admin, dto.sessionId, dto);
    socket.emit(AdminServerEvent.MessagesHistory, page.messages);
    return page;
  }

  @SubscribeMessage(AdminEvent.JoinSession)
  joinSession(
    @ConnectedSocket() socket: Socket,
    @MessageBody() { sessionId }: SessionIdParams,
  ): AdminAnswer<typeof AdminEvent.JoinSession> {
    return this.sessionAdmin
      .assertExists(sessionId)
      .then(() => this.publisher.joinSession(socket, sessionId));
  }

  @SubscribeMessage(AdminEvent.LeaveSession)
  leaveSession(
    @ConnectedSocket() socket: Socket,
    @MessageBody() { sessionId }: SessionIdParams,
  ): AdminAnswer<typeof AdminEvent.LeaveSession> {
    return this.publisher.leaveSession(socket, sessionId);
  }

  @SubscribeMessage(AdminEvent.AdminMessage)
  async adminMessage(
    @SocketAdmin() admin: AdminActor,
    @MessageBody() dto: SendMessageDto,
  ): AdminAnswer<typeof AdminEvent.AdminMessage> {
    return { message: await this.messages.send(admin, dto) };
  }

  @SubscribeMessage(AdminEvent.ToggleAiMode)
  toggleAiMode(
    @MessageBody() { sessionId, enabled }: ToggleAiModeDto,
  ): AdminAnswer<typeof AdminEvent.ToggleAiMode> {
    return this.sessionAdmin.setAiMode(sessionId, enabled);
  }

  @SubscribeMessage(AdminEvent.Typing)
  typing(
    @SocketAdmin() admin: AdminActor,
    @MessageBody() dto: TypingDto,
  ): AdminAnswer<typeof AdminEvent.Typing> {
    this.sessions.relayTyping(admin, dto);
  }

  @SubscribeMessage(AdminEvent.MarkRead)
  markRead(
    @MessageBody() { sessionId, upTo }: AdminMarkReadDto,
  ): AdminAnswer<typeof AdminEvent.MarkRead> {
    return this.sessionAdmin.markRead(sessionId, upTo);
  }

  @SubscribeMessage(AdminEvent.ResolveSession)
  resolveSession(
    @MessageBody() { sessionId }: SessionIdParams,
  ): AdminAnswer<typeof AdminEvent.ResolveSession> {
    return this.sessionAdmin.setStatus(sessionId, 'resolved');
  }

  @SubscribeMessage(AdminEvent.ReopenSession)
  reopenSession(
    @MessageBody() { sessionId }: SessionIdParams,
  ): AdminAnswer<typeof AdminEvent.ReopenSession> {
    return this.sessionAdmin.setStatus(sessionId, 'open');
  }

  @SubscribeMessage(AdminEvent.AssignSession)
  assignSession(
    @MessageBody() { sessionId, adminId }: AssignSessionDto,
  ): AdminAnswer<typeof AdminEvent.AssignSession> {
    return this.sessionAdmin.assign(sessionId, adminId);
  }

  private async disconnectAdmin(
    namespace: Namespace,
    adminId: string,
  ): Promise<void> {
    const sockets = await namespace.fetchSockets().catch((error: Error) => {
      // Other instances are out of reach (Redis is down): this one's sockets still close.
      this.logger.warn(
        `Closing a signed-out account's sockets on this instance only: ${error.message}`,
      );
      return namespace.local.fetchSockets();
    });
    for (const socket of sockets) {
      if (socketAdminId(socket) === adminId) socket.disconnect(true);
    }
  }

  private async sendLiveSessions(socket: Socket): Promise<SessionSummary[]> {
    const sessions = await this.sessions.liveSessions();
    socket.emit(AdminServerEvent.SessionsList, sessions);
    return sessions;
  }
}
