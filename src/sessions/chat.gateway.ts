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
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import type { Actor } from '../common/actor';
import { ClientAddresses } from '../common/client-address';
import { ErrorCode } from '../common/errors';
import { RateLimits } from '../common/rate-limits';
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
  ChatEventsPublisher,
  WIDGET_NAMESPACE,
} from '../realtime/chat-events.publisher';
import { AdminEvent } from '../realtime/admin.events';
import { WidgetEvent, type WidgetAnswer } from '../realtime/widget.events';
import { InitSessionDto } from './dto/open-session.dto';
import { MarkReadDto, SessionIdParams, TypingDto } from './dto/session-ref.dto';
import { SessionsService } from './sessions.service';
import { WidgetConnections } from './widget-connections';
import { clientInfoOf, WidgetActor } from './widget-socket';

const WIDGET_EVENTS = new Set<string>(Object.values(WidgetEvent));
const ADMIN_EVENTS = new Set<string>(Object.values(AdminEvent));

/** The widget half of the wire contract, on namespace `/`. */
@WebSocketGateway({ namespace: WIDGET_NAMESPACE })
@UseFilters(WsAckExceptionFilter)
@UsePipes(DtoValidationPipe)
@UseInterceptors(AckInterceptor)
export class ChatGateway implements OnGatewayInit, OnGatewayDisconnect {
  private readonly logger = new Logger(ChatGateway.name);

  constructor(
    private readonly sessions: SessionsService,
    private readonly messages: MessagesService,
    private readonly connections: WidgetConnections,
    private readonly publisher: ChatEventsPublisher,
    private readonly addresses: ClientAddresses,
    private readonly limits: RateLimits,
  ) {}

  afterInit(namespace: Namespace): void {
    this.publisher.attach(namespace);
    namespace.use((socket, next) => {
      if (!this.limits.openConnection(socket)) {
        next(new Error(ErrorCode.RATE_LIMITED));
        return;
      }
      // Spending comes first: an event nobody serves still costs its socket, or flooding with them is free.
      this.limits.limitEvents(socket);
      refuseUnknownEvents(socket, WIDGET_EVENTS, ADMIN_EVENTS);
      next();
    });
  }

  handleDisconnect(socket: Socket): void {
    this.connections
      .detach(socket)
      .catch((error: Error) => this.logger.warn(error.message));
  }

  @SubscribeMessage(WidgetEvent.InitSession)
  async initSession(
    @ConnectedSocket() socket: Socket,
    @MessageBody() dto: InitSessionDto,
  ): WidgetAnswer<typeof WidgetEvent.InitSession> {
    const result = await this.sessions.open(
      dto,
      clientInfoOf(socket, this.addresses),
    );
    await this.connections.attach(socket, result.sessionId);
    return result;
  }

  @SubscribeMessage(WidgetEvent.UserMessage)
  async userMessage(
    @WidgetActor() actor: Actor,
    @MessageBody() dto: SendMessageDto,
  ): WidgetAnswer<typeof WidgetEvent.UserMessage> {
    return { message: await this.messages.send(actor, dto) };
  }

  @SubscribeMessage(WidgetEvent.Sync)
  @UseGuards(HistoryReadGuard)
  sync(
    @WidgetActor() actor: Actor,
    @MessageBody() dto: SessionMessagePageDto,
  ): WidgetAnswer<typeof WidgetEvent.Sync> {
    return this.messages.page(actor, dto.sessionId, dto);
  }

  @SubscribeMessage(WidgetEvent.Typing)
  typing(
    @WidgetActor() actor: Actor,
    @MessageBody() dto: TypingDto,
  ): WidgetAnswer<typeof WidgetEvent.Typing> {
    this.sessions.relayTyping(actor, dto);
  }

  @SubscribeMessage(WidgetEvent.MarkRead)
  markRead(
    @WidgetActor() actor: Actor,
    @MessageBody() dto: MarkReadDto,
  ): WidgetAnswer<typeof WidgetEvent.MarkRead> {
    this.sessions.relayVisitorRead(actor, dto);
  }

  @SubscribeMessage(WidgetEvent.RequestHuman)
  requestHuman(
    @WidgetActor() actor: Actor,
    @MessageBody() dto: SessionIdParams,
  ): WidgetAnswer<typeof WidgetEvent.RequestHuman> {
    return this.sessions.requestHuman(actor, dto);
  }
}
