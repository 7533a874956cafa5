import { io } from 'socket.io-client';
import type {
  AdminView,
  AgentView,
  LoginResult,
} from '../../src/auth/dto/admin.view';
import type {
  CreateAgentDto,
  UpdateAgentDto,
} from '../../src/auth/dto/agent.dto';
import type { ErrorBody } from '../../src/common/errors';
import type { MessageView } from '../../src/messages/dto/message.view';
import {
  AdminEvent,
  AdminServerEvent,
  type AdminClientEvents,
  type AdminServerEvents,
} from '../../src/realtime/admin.events';
import type { SessionExport } from '../../src/sessions/dto/session.view';
import { Conversation, type Draft, type PendingMessage } from './conversation';
import { Emitter } from './emitter';
import { ChatError } from './errors';
import { catchUp, sendPending, TypingIndicator } from './delivery';
import { newClientMessageId } from './ids';
import { PROTOCOL_VERSION, TypedSocket } from './typed-socket';
import type { ConnectionState } from './visitor-chat';

/** A signed-in agent: what `signIn` returns and what an AgentChat needs. */
export interface AgentCredentials {
  url: string;
  accessToken: string;
  /** When the token stops working, in epoch milliseconds. */
  expiresAt: number;
  admin: AdminView;
}

export type SignOutReason = 'expired' | 'refused' | 'signed-out';

export interface AgentChatEvents {
  connection: ConnectionState;
  /** The token expired or was refused (a disabled account), or `signOut` was called. */
  'signed-out': SignOutReason;
  /** Connected again after a drop: lists and open conversations should catch up (open ones do it themselves). */
  reconnected: void;
}

/** Signs an agent in with email and password (`POST /api/auth/login`). */
export async function signIn(
  url: string,
  email: string,
  password: string,
): Promise<AgentCredentials> {
  const result = await restRequest<LoginResult>(
    url,
    'POST',
    '/api/auth/login',
    {
      body: { email, password },
    },
  );
  return {
    url,
    accessToken: result.accessToken,
    expiresAt: Date.now() + result.expiresIn * 1000,
    admin: result.admin,
  };
}

/**
 * An agent's connection: the typed `/admin` socket (`request`, `on`), the admin REST routes, conversations
 * that catch up by themselves, and sign-out when the token expires or the account is disabled.
 */
export class AgentChat extends Emitter<AgentChatEvents> {
  readonly socket: TypedSocket<AdminClientEvents, AdminServerEvents>;
  private connection: ConnectionState = 'connecting';
  private expiryTimer?: ReturnType<typeof setTimeout>;
  private hasConnected = false;
  private signedOut = false;

  constructor(readonly credentials: AgentCredentials) {
    super();
    this.socket = new TypedSocket(
      io(`${credentials.url}/admin`, {
        auth: { token: credentials.accessToken, protocol: PROTOCOL_VERSION },
        autoConnect: false,
      }),
    );
    this.listen();
  }

  get admin(): AdminView {
    return this.credentials.admin;
  }

  get connectionState(): ConnectionState {
    return this.connection;
  }

  start(): void {
    const remaining = this.credentials.expiresAt - Date.now();
    if (remaining <= 0) {
      this.end('expired');
      return;
    }
    // setTimeout cannot wait longer than about 24.8 days.
    this.expiryTimer = setTimeout(
      () => this.end('expired'),
      Math.min(remaining, 2 ** 31 - 1),
    );
    this.socket.raw.connect();
  }

  signOut(): void {
    this.end('signed-out');
  }

  /** A conversation of one session: joined, its history loaded, kept live and caught up. */
  openConversation(sessionId: string): AgentConversation {
    const conversation = new AgentConversation(this, sessionId);
    void conversation.open();
    return conversation;
  }

  listAgents(): Promise<AgentView[]> {
    return this.rest('GET', '/api/admin/agents');
  }

  createAgent(account: CreateAgentDto): Promise<AgentView> {
    return this.rest('POST', '/api/admin/agents', account);
  }

  updateAgent(id: string, changes: UpdateAgentDto): Promise<AgentView> {
    return this.rest(
      'PATCH',
      `/api/admin/agents/${encodeURIComponent(id)}`,
      changes,
    );
  }

  exportSession(sessionId: string): Promise<SessionExport> {
    return this.rest(
      'GET',
      `/api/admin/sessions/${encodeURIComponent(sessionId)}/export`,
    );
  }

  eraseSession(sessionId: string): Promise<void> {
    return this.rest(
      'DELETE',
      `/api/admin/sessions/${encodeURIComponent(sessionId)}`,
    );
  }

  private async rest<T>(
    method: string,
    path: string,
    body?: object,
  ): Promise<T> {
    try {
      return await restRequest<T>(this.credentials.url, method, path, {
        body,
        token: this.credentials.accessToken,
      });
    } catch (error) {
      if (error instanceof ChatError && error.code === 'UNAUTHORIZED') {
        this.end('refused');
      }
      throw error;
    }
  }

  private listen(): void {
    const raw = this.socket.raw;
    raw.on('connect', () => {
      this.setConnection('online');
      if (this.hasConnected) this.emit('reconnected', undefined);
      this.hasConnected = true;
    });
    raw.on('connect_error', (error) => {
      if (error.message === 'UNAUTHORIZED') this.end('refused');
    });
    raw.on('disconnect', (reason) => {
      // The server closes a disabled account's sockets: reconnecting tells that apart from a restart.
      if (reason === 'io server disconnect' && !this.signedOut) raw.connect();
      this.setConnection('reconnecting');
    });
  }

  private setConnection(state: ConnectionState): void {
    this.connection = state;
    this.emit('connection', state);
  }

  private end(reason: SignOutReason): void {
    if (this.signedOut) return;
    this.signedOut = true;
    clearTimeout(this.expiryTimer);
    this.socket.raw.disconnect();
    this.emit('signed-out', reason);
  }
}

export interface AgentConversationState {
  sessionId: string;
  messages: readonly MessageView[];
  pending: PendingMessage[];
  draft: Draft | null;
  aiTyping: boolean;
  visitorTyping: boolean;
  hasEarlier: boolean;
  loaded: boolean;
  /** The newest message the visitor has read. */
  readByVisitorUpTo: string | null;
}

const PAGE = 50;

/** One session as an agent works it: history, live messages, the AI draft, typing and replies. */
export class AgentConversation extends Emitter<{
  change: AgentConversationState;
}> {
  private readonly conversation: Conversation;
  private readonly unsubscribe: (() => void)[] = [];
  private aiTyping = false;
  private readonly visitorTyping = new TypingIndicator(() => this.changed());
  private hasEarlier = false;
  private loaded = false;
  private readByVisitorUpTo: string | null = null;

  constructor(
    private readonly agent: AgentChat,
    readonly sessionId: string,
  ) {
    super();
    this.conversation = new Conversation(sessionId);
    this.listen();
  }

  get state(): AgentConversationState {
    return {
      sessionId: this.sessionId,
      messages: this.conversation.messages,
      pending: this.conversation.pending,
      draft: this.conversation.draft,
      aiTyping: this.aiTyping,
      visitorTyping: this.visitorTyping.isTyping,
      hasEarlier: this.hasEarlier,
      loaded: this.loaded,
      readByVisitorUpTo: this.readByVisitorUpTo,
    };
  }

  /** Joins the session's room and loads its latest messages (or what came after the last one seen). */
  async open(): Promise<void> {
    const socket = this.agent.socket;
    if (!socket.connected) return;
    await socket.request(AdminEvent.JoinSession, { sessionId: this.sessionId });
    const latest = this.conversation.latestId;
    if (latest) {
      await catchUp(this.conversation, latest, (after, limit) =>
        socket.request(AdminEvent.GetMessages, {
          sessionId: this.sessionId,
          after,
          limit,
        }),
      );
    } else {
      const page = await socket.request(AdminEvent.GetMessages, {
        sessionId: this.sessionId,
        limit: PAGE,
      });
      this.conversation.addMessages(page.messages);
      this.hasEarlier = page.hasMore;
    }
    this.loaded = true;
    this.changed();
    for (const pending of this.conversation.pending) {
      if (pending.status === 'sending')
        void this.deliver(pending.clientMessageId);
    }
  }

  close(): void {
    for (const stop of this.unsubscribe) stop();
    this.visitorTyping.set(false);
    if (this.agent.socket.connected) {
      this.agent.socket
        .request(AdminEvent.LeaveSession, { sessionId: this.sessionId })
        .catch(() => undefined);
    }
  }

  async loadEarlier(): Promise<void> {
    const before = this.conversation.earliestId;
    if (!before) return;
    const page = await this.agent.socket.request(AdminEvent.GetMessages, {
      sessionId: this.sessionId,
      before,
      limit: PAGE,
    });
    this.conversation.addMessages(page.messages);
    this.hasEarlier = page.hasMore;
    this.changed();
  }

  /** Sends a reply: pending at once, resent with the same clientMessageId after a reconnect. */
  reply(content: string): PendingMessage {
    const trimmed = content.trim();
    if (!trimmed)
      throw new ChatError('VALIDATION_FAILED', 'The message is empty');
    const pending = this.conversation.queue(newClientMessageId(), trimmed);
    this.changed();
    void this.deliver(pending.clientMessageId);
    return pending;
  }

  retry(clientMessageId: string): void {
    if (!this.conversation.setPending(clientMessageId, 'sending')) return;
    this.changed();
    void this.deliver(clientMessageId);
  }

  discard(clientMessageId: string): void {
    this.conversation.discard(clientMessageId);
    this.changed();
  }

  /** Marks everything up to the latest message read: the unread count resets, the visitor sees it. */
  async markRead(): Promise<void> {
    await this.agent.socket.request(AdminEvent.MarkRead, {
      sessionId: this.sessionId,
    });
  }

  typing(isTyping: boolean): void {
    this.agent.socket
      .request(AdminEvent.Typing, { sessionId: this.sessionId, isTyping })
      .catch(() => undefined);
  }

  private listen(): void {
    const socket = this.agent.socket;
    const mine = (sessionId: string) => sessionId === this.sessionId;
    const add = (message: MessageView) => {
      if (!mine(message.sessionId)) return;
      const added = this.conversation.addMessages([message]);
      if (added.some((entry) => entry.sender === 'user'))
        this.visitorTyping.set(false);
      if (added.length > 0) this.changed();
    };
    this.unsubscribe.push(
      socket.on(AdminServerEvent.Message, add),
      socket.on(AdminServerEvent.NewMessage, ({ message }) => add(message)),
      socket.on(AdminServerEvent.MessageDelta, (delta) => {
        if (!mine(delta.sessionId)) return;
        this.conversation.applyDelta(delta);
        this.changed();
      }),
      socket.on(AdminServerEvent.AiTyping, ({ sessionId, typing }) => {
        if (!mine(sessionId)) return;
        this.aiTyping = typing;
        if (!typing) this.conversation.endDraft();
        this.changed();
      }),
      socket.on(AdminServerEvent.UserTyping, ({ sessionId, isTyping }) => {
        if (!mine(sessionId)) return;
        this.visitorTyping.set(isTyping);
        this.changed();
      }),
      socket.on(AdminServerEvent.MessagesRead, ({ sessionId, by, upTo }) => {
        if (!mine(sessionId) || by !== 'user') return;
        this.readByVisitorUpTo = upTo;
        this.changed();
      }),
      this.agent.on('connection', (state) => {
        if (state !== 'reconnecting') return;
        this.conversation.endDraft();
        this.aiTyping = false;
        this.visitorTyping.set(false);
        this.changed();
      }),
      this.agent.on(
        'reconnected',
        () => void this.open().catch(() => undefined),
      ),
    );
  }

  private async deliver(clientMessageId: string): Promise<void> {
    const socket = this.agent.socket;
    const changed = await sendPending(
      this.conversation,
      clientMessageId,
      socket,
      async ({ content }) => {
        const { message } = await socket.request(AdminEvent.AdminMessage, {
          sessionId: this.sessionId,
          content,
          clientMessageId,
        });
        return message;
      },
    );
    if (changed) this.changed();
  }

  private changed(): void {
    this.emit('change', this.state);
  }
}

async function restRequest<T>(
  url: string,
  method: string,
  path: string,
  { body, token }: { body?: object; token?: string },
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ChatError('UNAVAILABLE', 'The chat server cannot be reached');
  }
  if (response.status === 204) return undefined as T;
  const data = (await response.json().catch(() => null)) as unknown;
  if (!response.ok) {
    const error = data as Partial<ErrorBody> | null;
    throw new ChatError(
      error?.code ?? 'INTERNAL',
      error?.message ?? `Request failed (${response.status})`,
      error?.details,
    );
  }
  return data as T;
}
