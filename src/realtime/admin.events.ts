import type {
  MessagePageView,
  MessageView,
} from '../messages/dto/message.view';
import type { SessionMessagePageDto } from '../messages/dto/message-page.dto';
import type { SendMessageDto } from '../messages/dto/send-message.dto';
import type {
  AssignSessionDto,
  ListSessionsQuery,
  SessionListView,
  ToggleAiModeDto,
} from '../sessions/dto/session-admin.dto';
import type {
  AdminMarkReadDto,
  SessionIdParams,
  TypingDto,
} from '../sessions/dto/session-ref.dto';
import type { SessionSummary } from '../sessions/dto/session.view';
import type { ClientEventSpec, HandlerAnswer, NoAckData } from './ack';
import type {
  AiErrorEvent,
  AiModeChangedEvent,
  AiTypingEvent,
  LiveSessionsAck,
  MessageDeltaEvent,
  MessagesReadEvent,
  NewMessageEvent,
  SentMessageAck,
  SessionIdEvent,
  SessionUpdatedEvent,
  SocketErrorEvent,
  TypingEvent,
} from './dto/socket-events.view';

export type { AiErrorEvent, NewMessageEvent, SessionUpdatedEvent };

/** Admin namespace `/admin`: every event name an admin panel sends. Names are the seed's and never change. */
export const AdminEvent = {
  AdminConnect: 'admin-connect',
  GetSessions: 'get-sessions',
  GetAllSessions: 'get-all-sessions',
  GetMessages: 'get-messages',
  JoinSession: 'admin-join-session',
  LeaveSession: 'admin-leave-session',
  AdminMessage: 'admin_message',
  ToggleAiMode: 'toggle-ai-mode',
  Typing: 'typing',
  MarkRead: 'mark-read',
  ResolveSession: 'resolve-session',
  ReopenSession: 'reopen-session',
  AssignSession: 'assign-session',
} as const;
export type AdminEventName = (typeof AdminEvent)[keyof typeof AdminEvent];

/** What each admin → server event carries and what its ack adds to `{ ok: true }`. */
export interface AdminClientEvents {
  [AdminEvent.AdminConnect]: ClientEventSpec<void, NoAckData>;
  [AdminEvent.GetSessions]: ClientEventSpec<void, LiveSessionsAck>;
  [AdminEvent.GetAllSessions]: ClientEventSpec<
    ListSessionsQuery,
    SessionListView
  >;
  [AdminEvent.GetMessages]: ClientEventSpec<
    SessionMessagePageDto,
    MessagePageView
  >;
  [AdminEvent.JoinSession]: ClientEventSpec<SessionIdParams, NoAckData>;
  [AdminEvent.LeaveSession]: ClientEventSpec<SessionIdParams, NoAckData>;
  [AdminEvent.AdminMessage]: ClientEventSpec<SendMessageDto, SentMessageAck>;
  [AdminEvent.ToggleAiMode]: ClientEventSpec<ToggleAiModeDto, NoAckData>;
  [AdminEvent.Typing]: ClientEventSpec<TypingDto, NoAckData>;
  [AdminEvent.MarkRead]: ClientEventSpec<AdminMarkReadDto, NoAckData>;
  [AdminEvent.ResolveSession]: ClientEventSpec<SessionIdParams, NoAckData>;
  [AdminEvent.ReopenSession]: ClientEventSpec<SessionIdParams, NoAckData>;
  [AdminEvent.AssignSession]: ClientEventSpec<AssignSessionDto, NoAckData>;
}

/** The ack data an admin handler answers with (the gateway's return type). */
export type AdminAckData<E extends AdminEventName> =
  AdminClientEvents[E]['ack'];

/** A admin gateway handler's return type for event E. */
export type AdminAnswer<E extends AdminEventName> = HandlerAnswer<
  AdminAckData<E>
>;

/** Admin namespace `/admin`: every event the server sends to admin panels. */
export const AdminServerEvent = {
  SessionsList: 'sessions-list',
  AllSessionsList: 'all-sessions-list',
  MessagesHistory: 'messages-history',
  NewMessage: 'new-message',
  Message: 'message',
  MessageDelta: 'message_delta',
  AiTyping: 'ai_typing',
  SessionUpdated: 'session-updated',
  AiModeChanged: 'ai-mode-changed',
  UserTyping: 'user-typing',
  MessagesRead: 'messages-read',
  HandoffRequested: 'handoff-requested',
  AiError: 'ai-error',
  Error: 'error',
} as const;

/** Payload of each server → admin event. */
export interface AdminServerEvents {
  [AdminServerEvent.SessionsList]: SessionSummary[];
  [AdminServerEvent.AllSessionsList]: SessionSummary[];
  [AdminServerEvent.MessagesHistory]: MessageView[];
  [AdminServerEvent.NewMessage]: NewMessageEvent;
  [AdminServerEvent.Message]: MessageView;
  [AdminServerEvent.MessageDelta]: MessageDeltaEvent;
  [AdminServerEvent.AiTyping]: AiTypingEvent;
  [AdminServerEvent.SessionUpdated]: SessionUpdatedEvent;
  [AdminServerEvent.AiModeChanged]: AiModeChangedEvent;
  [AdminServerEvent.UserTyping]: TypingEvent;
  [AdminServerEvent.MessagesRead]: MessagesReadEvent;
  [AdminServerEvent.HandoffRequested]: SessionIdEvent;
  [AdminServerEvent.AiError]: AiErrorEvent;
  [AdminServerEvent.Error]: SocketErrorEvent;
}
