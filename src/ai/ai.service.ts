import {
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Subscription } from 'rxjs';
import { KeyedSerialQueue } from '../common/keyed-serial-queue';
import type { Settings } from '../config/settings';
import type { MessageView } from '../messages/dto/message.view';
import {
  type CommittedMessage,
  MessagesService,
} from '../messages/messages.service';
import { AdminServerEvent } from '../realtime/admin.events';
import { ChatEventsPublisher } from '../realtime/chat-events.publisher';
import { WidgetServerEvent } from '../realtime/widget.events';
import {
  type AiModeChange,
  SessionsService,
} from '../sessions/sessions.service';
import { SessionAdminService } from '../sessions/session-admin.service';
import { AiBudget } from './ai-budget';
import { fitContext } from './ai-context';
import {
  AiProviderClient,
  AiProviderError,
  type ChatTurn,
} from './ai-provider.client';

export const AI_UNAVAILABLE_MESSAGE =
  'Our assistant is unavailable right now. A person from our team will answer you here shortly.';

export const AI_BUDGET_SPENT_MESSAGE =
  'Our assistant cannot answer any more right now. A person from our team will answer you here shortly.';

/** The `ai-error` code when a budget, not the provider, stopped the AI. */
export const AI_BUDGET_SPENT_CODE = 'BUDGET_EXHAUSTED';

/** Answers visitors' messages with the AI provider, one reply at a time per session, and steps aside for people. */
@Injectable()
export class AiService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AiService.name);
  private readonly subscriptions = new Subscription();
  /** Replies of one session run one after another, in the order their user messages committed. */
  private readonly replies = new KeyedSerialQueue();
  /** Every queued or running reply of a session, so that one abort reaches all of them. */
  private readonly pending = new Map<string, Set<AbortController>>();

  constructor(
    private readonly client: AiProviderClient,
    private readonly budget: AiBudget,
    private readonly messages: MessagesService,
    private readonly sessions: SessionsService,
    private readonly sessionAdmin: SessionAdminService,
    private readonly publisher: ChatEventsPublisher,
    private readonly config: ConfigService<Settings, true>,
  ) {}

  onModuleInit(): void {
    if (!this.client.isConfigured) {
      this.logger.log(
        'AI assistant is off: no AI_API_KEYS (or OPENAI_API_KEY) configured',
      );
      return;
    }
    this.subscriptions.add(
      this.messages.committed$.subscribe((committed) =>
        this.guarded(() => this.onMessageCommitted(committed)),
      ),
    );
    this.subscriptions.add(
      this.sessions.aiModeChanged$.subscribe((change) =>
        this.guarded(() => this.onAiModeChanged(change)),
      ),
    );
    this.subscriptions.add(
      this.sessionAdmin.erased$.subscribe((sessionId) =>
        this.cancel(sessionId),
      ),
    );
  }

  onModuleDestroy(): void {
    this.subscriptions.unsubscribe();
    for (const sessionId of this.pending.keys()) this.cancel(sessionId);
  }

  private onMessageCommitted({ message, session }: CommittedMessage): void {
    if (message.sender === 'admin') this.cancel(message.sessionId);
    else if (message.sender === 'user' && session.aiEnabled) {
      this.queueReply(message.sessionId);
    }
  }

  private onAiModeChanged({ sessionId, enabled }: AiModeChange): void {
    if (!enabled) this.cancel(sessionId);
  }

  /** The running reply stops with nothing committed, and the queued ones never start. */
  private cancel(sessionId: string): void {
    for (const controller of this.pending.get(sessionId) ?? []) {
      controller.abort();
    }
  }

  private queueReply(sessionId: string): void {
    const controller = new AbortController();
    const controllers = this.pending.get(sessionId) ?? new Set();
    this.pending.set(sessionId, controllers.add(controller));
    void this.replies.run(sessionId, () =>
      this.takeTurn(sessionId, controller),
    );
  }

  /** Never rejects: whatever goes wrong is logged, and the queue moves on to the next reply. */
  private async takeTurn(
    sessionId: string,
    controller: AbortController,
  ): Promise<void> {
    try {
      if (controller.signal.aborted) return;
      const target = await this.sessions.aiReplyTarget(sessionId);
      if (!target?.aiEnabled || controller.signal.aborted) return;
      const spent = await this.budget.take(sessionId, target.ipAddress);
      if (controller.signal.aborted) return;
      if (spent) {
        this.logger.warn(
          `AI reply for session ${sessionId} not started: ${spent.message}; handing off to a person`,
        );
        await this.handOff(
          sessionId,
          { code: AI_BUDGET_SPENT_CODE, message: spent.message },
          AI_BUDGET_SPENT_MESSAGE,
        );
        return;
      }
      await this.reply(sessionId, controller.signal);
    } catch (error) {
      // A reply cancelled meanwhile (its session erased, say) has nothing left worth reporting.
      if (controller.signal.aborted) return;
      this.logger.error(
        `AI reply for session ${sessionId} failed unexpectedly: ${describe(error)}`,
      );
    } finally {
      this.forget(sessionId, controller);
    }
  }

  private async reply(sessionId: string, signal: AbortSignal): Promise<void> {
    this.publishTyping(sessionId, true);
    try {
      const text = await this.client.streamReply(
        { history: await this.contextOf(sessionId), signal },
        {
          onAttempt: () => undefined,
          onDelta: (streamId, delta) =>
            this.publishDelta(sessionId, streamId, delta),
        },
      );
      // The stream may have finished in the same tick as the abort: a person still wins.
      if (signal.aborted) return;
      await this.messages.appendAssistantMessage(sessionId, 'ai', text.trim());
    } catch (error) {
      if (!(error instanceof AiProviderError)) throw error;
      if (error.code !== 'ABORTED') {
        this.logger.warn(
          `AI reply for session ${sessionId} failed: ${error.code}; handing off to a person`,
        );
        await this.handOff(sessionId, error, AI_UNAVAILABLE_MESSAGE);
      }
    } finally {
      this.publishTyping(sessionId, false);
    }
  }

  /**
   * The system prompt travels separately; here only the conversation, oldest first: the latest
   * AI_HISTORY_MESSAGES, fewer when they and the prompt exceed AI_CONTEXT_MAX_CHARS.
   */
  private async contextOf(sessionId: string): Promise<ChatTurn[]> {
    // At least the message being answered, whatever the setting says.
    const limit = Math.max(
      1,
      this.config.get('aiHistoryMessages', { infer: true }),
    );
    const recent = await this.messages.latest(sessionId, limit);
    return fitContext(
      this.config.get('aiSystemPrompt', { infer: true }),
      recent.filter(isConversation).map(toChatTurn),
      this.config.get('aiContextMaxChars', { infer: true }),
    );
  }

  /**
   * The AI steps aside: the provider gave up after its retries, or a budget is spent. The visitor is told a
   * person will answer, the session's AI turns off, and the admins are alerted.
   */
  private async handOff(
    sessionId: string,
    reason: { code: string; message: string },
    notice: string,
  ): Promise<void> {
    await this.messages.appendAssistantMessage(sessionId, 'system', notice);
    await this.sessions.setAiMode(sessionId, false);
    this.publisher.toAllAdmins(AdminServerEvent.AiError, {
      sessionId,
      code: reason.code,
      message: reason.message,
    });
    this.publisher.handoffRequested(sessionId);
  }

  private publishDelta(
    sessionId: string,
    streamId: string,
    delta: string,
  ): void {
    this.publisher.toSession(sessionId, WidgetServerEvent.MessageDelta, {
      sessionId,
      streamId,
      delta,
    });
  }

  private publishTyping(sessionId: string, typing: boolean): void {
    this.publisher.toSession(sessionId, WidgetServerEvent.AiTyping, {
      sessionId,
      typing,
    });
  }

  private forget(sessionId: string, controller: AbortController): void {
    const controllers = this.pending.get(sessionId);
    controllers?.delete(controller);
    if (controllers?.size === 0) this.pending.delete(sessionId);
  }

  /** RxJS rethrows a subscriber's error from a timer, which would crash the process: log it instead. */
  private guarded(handle: () => void): void {
    try {
      handle();
    } catch (error) {
      this.logger.error(`AI event handling failed: ${describe(error)}`);
    }
  }
}

function isConversation(message: MessageView): boolean {
  return message.sender !== 'system';
}

function toChatTurn(message: MessageView): ChatTurn {
  return {
    role: message.sender === 'user' ? 'user' : 'assistant',
    content: message.content,
  };
}

/** Name and message only: provider errors never carry keys, and nothing else reaching here comes from HTTP. */
function describe(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
}
