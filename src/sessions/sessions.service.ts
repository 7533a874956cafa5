import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Subject } from 'rxjs';
import { type Actor, assertSessionAccess } from '../common/actor';
import { AppError, ErrorCode } from '../common/errors';
import { RateLimits } from '../common/rate-limits';
import type { Settings } from '../config/settings';
import { MessagesService } from '../messages/messages.service';
import { ChatEventsPublisher } from '../realtime/chat-events.publisher';
import { AdminServerEvent } from '../realtime/admin.events';
import { PresenceService } from '../realtime/presence.service';
import { WidgetServerEvent } from '../realtime/widget.events';
import type { InitSessionDto } from './dto/open-session.dto';
import type {
  MarkReadDto,
  SessionIdParams,
  TypingDto,
} from './dto/session-ref.dto';
import {
  type CreatedSessionView,
  type InitSessionResult,
  type SessionRecord,
  type SessionSummary,
  toSessionSummary,
  toSessionView,
} from './dto/session.view';
import { SessionsRepository } from './sessions.repository';

/** What the server itself observed about a client; it wins over self-declared values. */
export interface ClientInfo {
  ipAddress?: string;
  userAgent?: string;
}

export const LIVE_SESSIONS_LIMIT = 200;

export interface AiReplyTarget {
  aiEnabled: boolean;
  ipAddress: string | null;
}

export interface AiModeChange {
  sessionId: string;
  enabled: boolean;
}

@Injectable()
export class SessionsService {
  /** Every persisted change of a session's AI mode made through this service. */
  readonly aiModeChanged$ = new Subject<AiModeChange>();

  constructor(
    private readonly repository: SessionsRepository,
    private readonly messages: MessagesService,
    private readonly publisher: ChatEventsPublisher,
    private readonly presence: PresenceService,
    private readonly config: ConfigService<Settings, true>,
    private readonly limits: RateLimits,
  ) {}

  /** REST: always a new session. */
  async create(
    observed: ClientInfo,
    declared: ClientInfo,
  ): Promise<CreatedSessionView> {
    // A declared address is only a fallback, and never stored unless it is one.
    const declaredIp =
      declared.ipAddress && isIP(declared.ipAddress)
        ? declared.ipAddress
        : undefined;
    const record = await this.createNew(randomUUID(), {
      ipAddress: observed.ipAddress ?? declaredIp,
      userAgent: observed.userAgent ?? declared.userAgent,
    });
    await this.announce(record.id);
    return { sessionId: record.id, session: toSessionView(record) };
  }

  /** Widget `init_session`: resumes a known id, creates an unknown one with that id, or starts a new one. */
  async open(
    dto: InitSessionDto,
    observed: ClientInfo,
  ): Promise<InitSessionResult> {
    const sessionId = dto.sessionId ?? randomUUID();
    const existing = dto.sessionId
      ? await this.repository.findById(sessionId)
      : null;
    const record = existing ?? (await this.createNew(sessionId, observed));
    return {
      sessionId,
      session: toSessionView(record),
      messages: await this.messages.latest(sessionId),
    };
  }

  /**
   * Creates a session, spending one of its address's new-session budget (given back when the session
   * already existed or could not be stored), so resuming is free and starting over and over is not.
   */
  private async createNew(
    id: string,
    client: ClientInfo,
  ): Promise<SessionRecord> {
    this.limits.takeNewSession(client.ipAddress);
    let created = false;
    try {
      const result = await this.repository.createOrGet({
        id,
        ipAddress: client.ipAddress ?? null,
        userAgent: client.userAgent ?? null,
        aiEnabled: this.config.get('aiDefaultEnabled', { infer: true }),
      });
      created = result.created;
      return result.record;
    } finally {
      if (!created) this.limits.giveBackNewSession(client.ipAddress);
    }
  }

  /** What an AI reply needs of its session: whether the AI is still on, and the address it was opened from. */
  async aiReplyTarget(sessionId: string): Promise<AiReplyTarget | null> {
    const record = await this.repository.findById(sessionId);
    return (
      record && { aiEnabled: record.aiEnabled, ipAddress: record.ipAddress }
    );
  }

  async summary(sessionId: string): Promise<SessionSummary> {
    const found = await this.repository.findWithLastMessage(sessionId);
    if (!found) throw new AppError(ErrorCode.NOT_FOUND, 'Session not found');
    return toSessionSummary(
      found.record,
      found.lastMessage,
      await this.presence.isActive(sessionId),
    );
  }

  /** Tells every admin about the session's current state. */
  async announce(sessionId: string): Promise<void> {
    this.publisher.sessionUpdated(await this.summary(sessionId));
  }

  /** Sessions with a widget connected, newest activity first. */
  async liveSessions(): Promise<SessionSummary[]> {
    const rows = await this.repository.findManyWithLastMessage(
      await this.presence.activeSessionIds(),
      LIVE_SESSIONS_LIMIT,
    );
    return rows.map(({ record, lastMessage }) =>
      toSessionSummary(record, lastMessage, true),
    );
  }

  /** Typing indicators cross over: a visitor's reach the joined admins, an agent's reach the widget. */
  relayTyping(actor: Actor, { sessionId, isTyping }: TypingDto): void {
    assertSessionAccess(actor, sessionId);
    if (actor.kind === 'admin') {
      this.publisher.toSessionWidgets(
        sessionId,
        WidgetServerEvent.AdminTyping,
        { sessionId, isTyping },
      );
    } else {
      this.publisher.toJoinedAdmins(sessionId, AdminServerEvent.UserTyping, {
        sessionId,
        isTyping,
      });
    }
  }

  /** Widget `mark_read`: the agents watching the session learn how far the visitor has read. */
  relayVisitorRead(actor: Actor, { sessionId, upTo }: MarkReadDto): void {
    assertSessionAccess(actor, sessionId);
    this.publisher.toJoinedAdmins(sessionId, AdminServerEvent.MessagesRead, {
      sessionId,
      by: 'user',
      upTo,
    });
  }

  /** The visitor asks for a person: the AI steps aside and every admin is told. */
  async requestHuman(
    actor: Actor,
    { sessionId }: SessionIdParams,
  ): Promise<void> {
    assertSessionAccess(actor, sessionId);
    await this.setAiMode(sessionId, false);
    this.publisher.handoffRequested(sessionId);
  }

  /** Persists the AI mode and tells widgets and admins; admins get the new summary when it changed. */
  async setAiMode(sessionId: string, enabled: boolean): Promise<void> {
    const changed = await this.repository.setAiEnabled(sessionId, enabled);
    if (changed === null)
      throw new AppError(ErrorCode.NOT_FOUND, 'Session not found');
    // Clients asked for this mode: they hear it confirmed even when it was already so.
    this.publisher.aiModeChanged({ sessionId, enabled });
    if (!changed) return;
    this.aiModeChanged$.next({ sessionId, enabled });
    await this.announce(sessionId);
  }
}
