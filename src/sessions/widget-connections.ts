import { Injectable, Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { ChatEventsPublisher } from '../realtime/chat-events.publisher';
import { clientProtocolOf } from '../realtime/client-protocol';
import { PresenceService } from '../realtime/presence.service';
import { WidgetServerEvent } from '../realtime/widget.events';
import { SessionsService } from './sessions.service';
import { boundSessionIds } from './widget-socket';

/** Binds widget sockets to their sessions: room membership, credentials and presence. */
@Injectable()
export class WidgetConnections {
  private readonly logger = new Logger(WidgetConnections.name);

  constructor(
    private readonly publisher: ChatEventsPublisher,
    private readonly presence: PresenceService,
    private readonly sessions: SessionsService,
  ) {}

  async attach(socket: Socket, sessionId: string): Promise<void> {
    await this.publisher.joinWidgetSession(
      socket,
      sessionId,
      clientProtocolOf(socket.handshake),
    );
    boundSessionIds(socket).add(sessionId);
    await this.presence.connect(sessionId, socket.id);
    socket.emit(WidgetServerEvent.SessionInit, { sessionId });
    await this.sessions.announce(sessionId);
  }

  /** A closed socket leaves presence; admins hear about each session that went inactive. */
  async detach(socket: Socket): Promise<void> {
    for (const sessionId of boundSessionIds(socket)) {
      if (!(await this.presence.disconnect(sessionId, socket.id))) continue;
      await this.sessions.announce(sessionId).catch((error: Error) => {
        this.logger.warn(
          `Could not announce session ${sessionId} going inactive: ${error.message}`,
        );
      });
    }
  }
}
