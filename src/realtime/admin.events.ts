import type { MessageView } from '../messages/dto/message.view';
import type { SessionSummary } from '../sessions/dto/session.view';
import type {
  AiModeChangedEvent,
  AiTypingEvent,
  MessageDeltaEvent,
  MessagesReadEvent,
  SocketErrorEvent,
  TypingEvent,
} from './widget.events';

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

export interface NewMessageEvent {
  sessionId: string;
  message: MessageView;
}

export interface SessionUpdatedEvent {
  session: SessionSummary;
}

export interface AiErrorEvent {
  sessionId: string;
  code: string;
  message: string;
}

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
  [AdminServerEvent.HandoffRequested]: { sessionId: string };
  [AdminServerEvent.AiError]: AiErrorEvent;
  [AdminServerEvent.Error]: SocketErrorEvent;
}
