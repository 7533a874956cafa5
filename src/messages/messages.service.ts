import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Subject } from 'rxjs';
import { type Actor, assertSessionAccess, socketIdOf } from '../common/actor';
import { AppError, ErrorCode } from '../common/errors';
import { KeyedSerialQueue } from '../common/keyed-serial-queue';
import type { Settings } from '../config/settings';
import { DrainService } from '../lifecycle/drain.service';
import { ChatEventsPublisher } from '../realtime/chat-events.publisher';
import { PresenceService } from '../realtime/presence.service';
import { WidgetServerEvent } from '../realtime/widget.events';
import {
  type SessionState,
  toSessionSummary,
} from '../sessions/dto/session.view';
import {
  type MessageRecord,
  type MessageView,
  type Sender,
  toMessageView,
} from './dto/message.view';
import { DEFAULT_PAGE_SIZE, MessagePageQuery } from './dto/message-page.dto';
import type { SendMessageDto } from './dto/send-message.dto';
import { MessagesRepository } from './messages.repository';

export interface CommittedMessage {
  message: MessageView;
  session: SessionState;
}

export interface MessagePageResult {
  sessionId: string;
  messages: MessageView[];
  hasMore: boolean;
}

@Injectable()
export class MessagesService {
  /** Every newly committed message (never a retried one), for features that react to messages. */
  readonly committed$ = new Subject<CommittedMessage>();

  /** Each committed message whose fan-out failed (it is stored; sockets may have missed it), for metrics. */
  readonly fanOutFailed$ = new Subject<MessageView>();

  /** Sends of one session commit and fan out in arrival order, even over a connection pool. */
  private readonly perSession = new KeyedSerialQueue();

  private readonly logger = new Logger(MessagesService.name);

  constructor(
    private readonly repository: MessagesRepository,
    private readonly drain: DrainService,
    private readonly publisher: ChatEventsPublisher,
    private readonly presence: PresenceService,
    private readonly config: ConfigService<Settings, true>,
  ) {}

  /**
   * Commits a message from a visitor or an agent, then fans it out. A retry with the same
   * clientMessageId answers the original message and publishes nothing.
   */
  async send(actor: Actor, dto: SendMessageDto): Promise<MessageView> {
    assertSessionAccess(actor, dto.sessionId);
    const content = this.normalizeContent(dto.content);
    const sender: Sender = actor.kind === 'admin' ? 'admin' : 'user';
    const clientMessageId = dto.clientMessageId ?? null;
    const { value: message, finished } =
      await this.perSession.runUntil<MessageView>(
        dto.sessionId,
        async (answer) => {
          const commit = await this.commit(
            actor,
            { sessionId: dto.sessionId, content, clientMessageId },
            sender,
          );
          // The sender's ack goes out first; the fan-out follows on the next turn of the event loop, and the
          // session's next message waits for it, so fan-out stays in commit order.
          answer(commit.message);
          if (!commit.publish) return;
          await new Promise(setImmediate);
          await commit.publish().catch((error: Error) => {
            this.logger.warn(
              `Message ${commit.message.id} is stored but its fan-out failed: ${error.message}`,
            );
            this.fanOutFailed$.next(commit.message);
          });
        },
      );
    this.drain.finishBeforeShutdown(finished);
    return message;
  }

  /**
   * Commits the message. `publish` fans it out and tells the features that react to messages; a retry
   * with the same clientMessageId has nothing to publish.
   */
  private async commit(
    actor: Actor,
    {
      sessionId,
      content,
      clientMessageId,
    }: SendMessageDto & { clientMessageId: string | null },
    sender: Sender,
  ): Promise<{ message: MessageView; publish?: () => Promise<void> }> {
    const outcome = await this.repository.insert({
      sessionId,
      sender,
      content,
      clientMessageId,
      adminId: actor.kind === 'admin' ? actor.adminId : null,
      reopen: sender === 'user',
      pauseAi:
        sender === 'admin' &&
        this.config.get('aiPauseOnAdminReply', { infer: true }),
      maxMessages: this.config.get('sessionMaxMessages', { infer: true }),
    });
    switch (outcome.kind) {
      case 'session-not-found':
        throw new AppError(ErrorCode.NOT_FOUND, 'Session not found');
      case 'session-full':
        // A retry of a message stored before the session filled up still gets its original.
        if (clientMessageId === null) throw this.sessionFull();
        return {
          message: await this.original(
            sessionId,
            clientMessageId,
            sender,
            content,
            () => this.sessionFull(),
          ),
        };
      case 'duplicate':
        return {
          message: await this.original(
            sessionId,
            clientMessageId!,
            sender,
            content,
          ),
        };
      case 'inserted': {
        const message = toMessageView(outcome.message);
        return {
          message,
          publish: async () => {
            this.publisher.messageCommitted(message, socketIdOf(actor));
            await this.announceSessionChanges(
              outcome.session,
              message,
              outcome.previousStatus,
              outcome.previousAiEnabled,
            );
            this.committed$.next({ message, session: outcome.session });
          },
        };
      }
    }
  }

  /** Commits a message written by the assistant or the system and fans it out like any other. */
  appendAssistantMessage(
    sessionId: string,
    sender: Extract<Sender, 'ai' | 'system'>,
    content: string,
  ): Promise<MessageView> {
    return this.perSession.run(sessionId, async () => {
      const { message, publish } = await this.commit(
        { kind: 'visitor' },
        { sessionId, content, clientMessageId: null },
        sender,
      );
      await publish?.();
      return message;
    });
  }

  async page(
    actor: Actor,
    sessionId: string,
    query: MessagePageQuery,
  ): Promise<MessagePageResult> {
    assertSessionAccess(actor, sessionId);
    if (query.after !== undefined && query.before !== undefined) {
      throw new AppError(
        ErrorCode.VALIDATION_FAILED,
        'Use either after or before, not both',
      );
    }
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const page =
      query.after !== undefined
        ? await this.repository.findAfter(sessionId, BigInt(query.after), limit)
        : await this.repository.findBefore(
            sessionId,
            query.before === undefined ? undefined : BigInt(query.before),
            limit,
          );
    if (
      page.records.length === 0 &&
      !(await this.repository.sessionExists(sessionId))
    ) {
      throw new AppError(ErrorCode.NOT_FOUND, 'Session not found');
    }
    return {
      sessionId,
      messages: page.records.map(toMessageView),
      hasMore: page.hasMore,
    };
  }

  /** AI replies committed after `since` (in one session, or everywhere), counted up to `upTo`. */
  aiRepliesSince(
    since: Date,
    upTo: number,
    sessionId?: string,
  ): Promise<number> {
    return this.repository.countAiRepliesSince(since, upTo, sessionId);
  }

  async latest(
    sessionId: string,
    limit = DEFAULT_PAGE_SIZE,
  ): Promise<MessageView[]> {
    const page = await this.repository.findBefore(sessionId, undefined, limit);
    return page.records.map(toMessageView);
  }

  /**
   * CONFLICT rather than PAYLOAD_TOO_LARGE: the message is fine, the conversation is full, and a shorter
   * message would be refused just the same. The visitor starts a new conversation.
   */
  private sessionFull(): AppError {
    const maxMessages = this.config.get('sessionMaxMessages', { infer: true });
    return new AppError(
      ErrorCode.CONFLICT,
      `This conversation has reached its limit of ${maxMessages} messages; start a new one`,
      { maxMessages },
    );
  }

  /** Trims and checks the length in code points: content is refused, never truncated. */
  private normalizeContent(raw: string): string {
    const content = raw.trim();
    const max = this.config.get('messageMaxLength', { infer: true });
    const length = countCodePoints(content);
    if (length === 0)
      throw new AppError(
        ErrorCode.VALIDATION_FAILED,
        'content must not be empty',
      );
    if (length > max) {
      throw new AppError(
        ErrorCode.VALIDATION_FAILED,
        `content must be at most ${max} characters`,
        {
          maxLength: max,
          length,
        },
      );
    }
    return content;
  }

  /** The stored message a retry with this clientMessageId stands for; `whenAbsent` answers when none is. */
  private async original(
    sessionId: string,
    clientMessageId: string,
    sender: Sender,
    content: string,
    whenAbsent: () => AppError = clientMessageIdConflict,
  ): Promise<MessageView> {
    const original = await this.repository.findByClientMessageId(
      sessionId,
      clientMessageId,
    );
    if (!original) throw whenAbsent();
    if (original.sender !== sender || original.content !== content) {
      throw clientMessageIdConflict();
    }
    return toMessageView(original satisfies MessageRecord);
  }

  private async announceSessionChanges(
    session: SessionState,
    message: MessageView,
    previousStatus: SessionState['status'],
    previousAiEnabled: boolean,
  ): Promise<void> {
    const sessionId = session.id;
    this.publisher.sessionUpdated(
      toSessionSummary(
        session,
        message.content,
        await this.presence.isActive(sessionId),
      ),
    );
    if (session.status !== previousStatus) {
      this.publisher.toSessionWidgets(
        sessionId,
        WidgetServerEvent.SessionStatus,
        {
          sessionId,
          status: session.status,
        },
      );
    }
    if (session.aiEnabled !== previousAiEnabled) {
      this.publisher.aiModeChanged({ sessionId, enabled: session.aiEnabled });
    }
  }
}

/** The contract counts characters as Unicode code points, not UTF-16 units. */
function countCodePoints(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    // A high surrogate followed by a low one is a single code point.
    if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index++;
    }
    count++;
  }
  return count;
}

function clientMessageIdConflict(): AppError {
  return new AppError(
    ErrorCode.CONFLICT,
    'clientMessageId was already used for a different message in this session',
  );
}
