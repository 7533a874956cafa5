import type { ErrorCode } from '../common/errors';
import type { MessageView } from '../messages/dto/message.view';
import type { SessionStatus } from '../sessions/dto/session.view';

/** Widget namespace `/`: every event name a widget sends. Names are the seed's and never change. */
export const WidgetEvent = {
  InitSession: 'init_session',
  UserMessage: 'user_message',
  Sync: 'sync',
  Typing: 'typing',
  MarkRead: 'mark_read',
  RequestHuman: 'request_human',
} as const;
export type WidgetEventName = (typeof WidgetEvent)[keyof typeof WidgetEvent];

/** Widget namespace `/`: every event the server sends to widgets. */
export const WidgetServerEvent = {
  SessionInit: 'session_init',
  Message: 'message',
  MessageDelta: 'message_delta',
  AiTyping: 'ai_typing',
  AdminTyping: 'admin-typing',
  MessagesRead: 'messages-read',
  AiModeChanged: 'ai-mode-changed',
  SessionStatus: 'session-status',
  Error: 'error',
} as const;

export interface SocketErrorEvent {
  event: string;
  code: ErrorCode;
  message: string;
}

export interface MessageDeltaEvent {
  sessionId: string;
  streamId: string;
  delta: string;
}

export interface AiTypingEvent {
  sessionId: string;
  typing: boolean;
}

export interface TypingEvent {
  sessionId: string;
  isTyping: boolean;
}

export interface MessagesReadEvent {
  sessionId: string;
  by: 'user' | 'admin';
  upTo: string;
}

export interface AiModeChangedEvent {
  sessionId: string;
  enabled: boolean;
}

export interface SessionStatusEvent {
  sessionId: string;
  status: SessionStatus;
}

/** Payload of each server → widget event. */
export interface WidgetServerEvents {
  [WidgetServerEvent.SessionInit]: { sessionId: string };
  [WidgetServerEvent.Message]: MessageView;
  [WidgetServerEvent.MessageDelta]: MessageDeltaEvent;
  [WidgetServerEvent.AiTyping]: AiTypingEvent;
  [WidgetServerEvent.AdminTyping]: TypingEvent;
  [WidgetServerEvent.MessagesRead]: MessagesReadEvent;
  [WidgetServerEvent.AiModeChanged]: AiModeChangedEvent;
  [WidgetServerEvent.SessionStatus]: SessionStatusEvent;
  [WidgetServerEvent.Error]: SocketErrorEvent;
}
