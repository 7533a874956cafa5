import { io } from 'socket.io-client';
import type { MessageView } from '../../src/messages/dto/message.view';
import {
  WidgetEvent,
  WidgetServerEvent,
  type WidgetClientEvents,
  type WidgetServerEvents,
} from '../../src/realtime/widget.events';
import type { SessionView } from '../../src/sessions/dto/session.view';
import { Conversation, type Draft, type PendingMessage } from './conversation';
import { Emitter } from './emitter';
import { ChatError } from './errors';
import { catchUp, sendPending, TypingIndicator } from './delivery';
import { newClientMessageId } from './ids';
import { PROTOCOL_VERSION, TypedSocket } from './typed-socket';

export type ConnectionState = 'connecting' | 'online' | 'reconnecting';

/** The session as the widget knows it (a plain object, updated by events). */
export type VisitorSession = { [K in keyof SessionView]: SessionView[K] };

/** Everything a widget shows, as one snapshot. */
export interface VisitorChatState {
  connection: ConnectionState;
  sessionId: string | null;
  session: VisitorSession | null;
  messages: readonly MessageView[];
  pending: PendingMessage[];
  draft: Draft | null;
  aiTyping: boolean;
  agentTyping: boolean;
  /** Whether older messages than the first shown exist (load them with `loadEarlier`). */
  hasEarlier: boolean;
  /** The newest message an agent has read. */
  readByAgentUpTo: string | null;
}

export interface VisitorChatEvents {
  /** Any change of the state. */
  change: VisitorChatState;
  /** A message from someone else (an agent, the AI, the system, another tab) arrived live. */
  message: MessageView;
}

export interface StoredValues {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface VisitorChatOptions {
  /** The chat server's origin, e.g. `https://chat.example.com`. */
  url: string;
  /** A session to resume; by default the one this browser used last (see `storage`). */
  sessionId?: string | null;
  /** Where the session id is kept between visits: `localStorage` by default, `null` for nowhere. */
  storage?: StoredValues | null;
  /** Longest message the server accepts (its MESSAGE_MAX_LENGTH); checked before sending. */
  messageMaxLength?: number;
}

const DEFAULT_MESSAGE_MAX_LENGTH = 4000;
const TYPING_IDLE_MS = 3000;
const BIND_RETRY_MS = 1000;
const BIND_RETRY_MAX_MS = 15_000;

/**
 * The visitor's side of the chat: one session, resumed across reloads and reconnects. Sends are acked
 * and retried with the same clientMessageId, so nothing is lost or doubled; after a reconnect it
 * catches up with `sync`.
 */
export class VisitorChat extends Emitter<VisitorChatEvents> {
  readonly socket: TypedSocket<WidgetClientEvents, WidgetServerEvents>;
  private conversation: Conversation | null = null;
  private session: VisitorSession | null = null;
  private connection: ConnectionState = 'connecting';
  private aiTyping = false;
  private readonly agentTyping = new TypingIndicator(() => this.changed());
  private hasEarlier = false;
  private readByAgentUpTo: string | null = null;
  private typingSince: number | null = null;
  private bindAttempts = 0;
  private typingIdleTimer?: ReturnType<typeof setTimeout>;
  private readonly storage: StoredValues | null;
  private readonly storageKey: string;
  private wantedSessionId: string | null;
  /** Longest message `checkContent` lets through; a widget may update it from the server's settings. */
  messageMaxLength: number;

  constructor(options: VisitorChatOptions) {
    super();
    this.storage =
      options.storage === undefined ? defaultStorage() : options.storage;
    this.storageKey = `chat-session:${options.url}`;
    this.wantedSessionId =
      options.sessionId ?? this.storage?.getItem(this.storageKey) ?? null;
    this.messageMaxLength =
      options.messageMaxLength ?? DEFAULT_MESSAGE_MAX_LENGTH;
    this.socket = new TypedSocket(
      io(options.url, {
        auth: { protocol: PROTOCOL_VERSION },
        autoConnect: false,
      }),
    );
    this.listen();
  }

  get state(): VisitorChatState {
    return {
      connection: this.connection,
      sessionId: this.conversation?.sessionId ?? null,
      session: this.session,
      messages: this.conversation?.messages ?? [],
      pending: this.conversation?.pending ?? [],
      draft: this.conversation?.draft ?? null,
      aiTyping: this.aiTyping,
      agentTyping: this.agentTyping.isTyping,
      hasEarlier: this.hasEarlier,
      readByAgentUpTo: this.readByAgentUpTo,
    };
  }

  /** Whether `start` resumes an earlier session (saved by a previous visit, or given) instead of opening one. */
  get resumesSession(): boolean {
    return this.wantedSessionId !== null;
  }

  /** Connects; every (re)connect binds the socket to the session again and catches up. */
  start(): void {
    this.socket.raw.connect();
  }

  close(): void {
    this.socket.raw.disconnect();
    this.agentTyping.set(false);
    clearTimeout(this.typingIdleTimer);
  }

  /** Why `content` cannot be sent, or null when it can. */
  checkContent(content: string): ChatError | null {
    // The server counts Unicode code points, not UTF-16 units.
    const length = Array.from(content.trim()).length;
    if (length === 0) {
      return new ChatError('VALIDATION_FAILED', 'The message is empty');
    }
    if (length > this.messageMaxLength) {
      return new ChatError(
        'VALIDATION_FAILED',
        `The message is ${length - this.messageMaxLength} characters too long`,
        { maxLength: this.messageMaxLength, length },
      );
    }
    return null;
  }

  /**
   * Sends a message. It shows as pending at once, becomes a committed message when acked, and is resent
   * with the same clientMessageId after a reconnect. A refusal marks it failed (see `retry`).
   */
  send(content: string): PendingMessage {
    const refusal = this.checkContent(content);
    if (refusal) throw refusal;
    const conversation = this.requireConversation();
    const pending = conversation.queue(newClientMessageId(), content.trim());
    this.stopTyping();
    this.changed();
    void this.deliver(pending.clientMessageId);
    return pending;
  }

  /** Sends a failed message again, with its original clientMessageId. */
  retry(clientMessageId: string): void {
    if (!this.conversation?.setPending(clientMessageId, 'sending')) return;
    this.changed();
    void this.deliver(clientMessageId);
  }

  discard(clientMessageId: string): void {
    this.conversation?.discard(clientMessageId);
    this.changed();
  }

  /** Loads the page of messages before the earliest one shown. */
  async loadEarlier(limit = 50): Promise<void> {
    const conversation = this.requireConversation();
    const before = conversation.earliestId;
    if (!before) return;
    const page = await this.socket.request(WidgetEvent.Sync, {
      sessionId: conversation.sessionId,
      before,
      limit,
    });
    conversation.addMessages(page.messages);
    this.hasEarlier = page.hasMore;
    this.changed();
  }

  /** Call on every keystroke: tells agents once, then again only after a pause. */
  noteTyping(): void {
    if (!this.conversation || !this.socket.connected) return;
    const now = Date.now();
    if (this.typingSince === null || now - this.typingSince > TYPING_IDLE_MS) {
      this.typingSince = now;
      this.relayTyping(true);
    }
    clearTimeout(this.typingIdleTimer);
    this.typingIdleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  stopTyping(): void {
    clearTimeout(this.typingIdleTimer);
    if (this.typingSince === null) return;
    this.typingSince = null;
    this.relayTyping(false);
  }

  /** Tells agents the visitor has seen everything up to this message. */
  async markRead(upTo: string): Promise<void> {
    const conversation = this.requireConversation();
    await this.socket.request(WidgetEvent.MarkRead, {
      sessionId: conversation.sessionId,
      upTo,
    });
  }

  /** Asks for a person: the AI stops answering and agents are alerted. */
  async requestHuman(): Promise<void> {
    const conversation = this.requireConversation();
    await this.socket.request(WidgetEvent.RequestHuman, {
      sessionId: conversation.sessionId,
    });
  }

  private listen(): void {
    const socket = this.socket;
    socket.raw.on('connect', () => void this.bind());
    socket.raw.on('disconnect', (reason) => {
      // Socket.IO does not come back by itself after the server closed the connection.
      if (reason === 'io server disconnect') socket.raw.connect();
      this.connection = 'reconnecting';
      // A reply cut off by the disconnect will be committed whole, or not at all: drop the draft.
      this.conversation?.endDraft();
      this.aiTyping = false;
      this.agentTyping.set(false);
      this.typingSince = null;
      this.changed();
    });
    socket.on(WidgetServerEvent.Message, (message) => {
      const conversation = this.conversation;
      if (message.sessionId !== conversation?.sessionId) return;
      for (const added of conversation.addMessages([message])) {
        if (added.sender === 'admin') this.agentTyping.set(false);
        this.emit('message', added);
      }
      this.changed();
    });
    socket.on(WidgetServerEvent.MessageDelta, (delta) => {
      if (delta.sessionId !== this.conversation?.sessionId) return;
      this.conversation.applyDelta(delta);
      this.changed();
    });
    socket.on(WidgetServerEvent.AiTyping, ({ sessionId, typing }) => {
      if (sessionId !== this.conversation?.sessionId) return;
      this.aiTyping = typing;
      if (!typing) this.conversation.endDraft();
      this.changed();
    });
    socket.on(WidgetServerEvent.AdminTyping, ({ sessionId, isTyping }) => {
      if (sessionId !== this.conversation?.sessionId) return;
      this.agentTyping.set(isTyping);
      this.changed();
    });
    socket.on(WidgetServerEvent.MessagesRead, ({ sessionId, by, upTo }) => {
      if (sessionId !== this.conversation?.sessionId || by !== 'admin') return;
      this.readByAgentUpTo = upTo;
      this.changed();
    });
    socket.on(WidgetServerEvent.AiModeChanged, ({ sessionId, enabled }) => {
      if (sessionId !== this.session?.id) return;
      this.session = { ...this.session, aiEnabled: enabled };
      this.changed();
    });
    socket.on(WidgetServerEvent.SessionStatus, ({ sessionId, status }) => {
      if (sessionId !== this.session?.id) return;
      this.session = { ...this.session, status };
      this.changed();
    });
  }

  /** Binds this connection to the session, catches up on what was missed, and resends the outbox. */
  private async bind(): Promise<void> {
    try {
      const init = await this.socket.request(WidgetEvent.InitSession, {
        sessionId: this.conversation?.sessionId ?? this.wantedSessionId,
      });
      const known = this.conversation?.sessionId === init.sessionId;
      const conversation = known
        ? this.conversation!
        : new Conversation(init.sessionId);
      const previousLatest = conversation.latestId;
      this.conversation = conversation;
      this.session = init.session;
      this.wantedSessionId = init.sessionId;
      this.storage?.setItem(this.storageKey, init.sessionId);
      conversation.addMessages(init.messages);
      if (!known) this.hasEarlier = init.messages.length >= 50;
      if (previousLatest) {
        await catchUp(conversation, previousLatest, (after, limit) =>
          this.socket.request(WidgetEvent.Sync, {
            sessionId: conversation.sessionId,
            after,
            limit,
          }),
        );
      }
      this.connection = 'online';
      this.changed();
      for (const pending of conversation.pending) {
        if (pending.status === 'sending') {
          void this.deliver(pending.clientMessageId);
        }
      }
      this.bindAttempts = 0;
    } catch {
      // Refused for now (UNAVAILABLE, RATE_LIMITED) or cut off: try again while connected, backing off.
      this.bindAttempts += 1;
      const delay = Math.min(
        BIND_RETRY_MS * this.bindAttempts,
        BIND_RETRY_MAX_MS,
      );
      setTimeout(() => {
        if (this.socket.connected) void this.bind();
      }, delay);
    }
  }

  private async deliver(clientMessageId: string): Promise<void> {
    const conversation = this.conversation;
    if (!conversation) return;
    const changed = await sendPending(
      conversation,
      clientMessageId,
      this.socket,
      async ({ content }) => {
        const { message } = await this.socket.request(WidgetEvent.UserMessage, {
          sessionId: conversation.sessionId,
          content,
          clientMessageId,
        });
        return message;
      },
    );
    if (changed) this.changed();
  }

  private relayTyping(isTyping: boolean): void {
    const sessionId = this.conversation?.sessionId;
    if (!sessionId) return;
    this.socket
      .request(WidgetEvent.Typing, { sessionId, isTyping })
      .catch(() => undefined);
  }

  private requireConversation(): Conversation {
    if (!this.conversation) {
      throw new ChatError('UNAVAILABLE', 'Not connected to the chat yet');
    }
    return this.conversation;
  }

  private changed(): void {
    this.emit('change', this.state);
  }
}

function defaultStorage(): StoredValues | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    // Storage is blocked (third-party cookies off, private mode): the session lasts for the page.
    return null;
  }
}
