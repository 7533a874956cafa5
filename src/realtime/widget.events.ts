import type {
  MessagePageView,
  MessageView,
} from '../messages/dto/message.view';
import type { SessionMessagePageDto } from '../messages/dto/message-page.dto';
import type { SendMessageDto } from '../messages/dto/send-message.dto';
import type { InitSessionDto } from '../sessions/dto/open-session.dto';
import type {
  MarkReadDto,
  SessionIdParams,
  TypingDto,
} from '../sessions/dto/session-ref.dto';
import type { InitSessionResult } from '../sessions/dto/session.view';
import type { ClientEventSpec, HandlerAnswer, NoAckData } from './ack';
import type {
  AiModeChangedEvent,
  AiTypingEvent,
  MessageDeltaEvent,
  MessagesReadEvent,
  SentMessageAck,
  SessionIdEvent,
  SessionStatusEvent,
  SocketErrorEvent,
  TypingEvent,
} from './dto/socket-events.view';

export type {
  AiModeChangedEvent,
  AiTypingEvent,
  MessageDeltaEvent,
  MessagesReadEvent,
  SessionStatusEvent,
  SocketErrorEvent,
  TypingEvent,
};

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

/** What each widget → server event carries and what its ack adds to `{ ok: true }`. */
export interface WidgetClientEvents {
  [WidgetEvent.InitSession]: ClientEventSpec<InitSessionDto, InitSessionResult>;
  [WidgetEvent.UserMessage]: ClientEventSpec<SendMessageDto, SentMessageAck>;
  [WidgetEvent.Sync]: ClientEventSpec<SessionMessagePageDto, MessagePageView>;
  [WidgetEvent.Typing]: ClientEventSpec<TypingDto, NoAckData>;
  [WidgetEvent.MarkRead]: ClientEventSpec<MarkReadDto, NoAckData>;
  [WidgetEvent.RequestHuman]: ClientEventSpec<SessionIdParams, NoAckData>;
}

/** The ack data a widget handler answers with (the gateway's return type). */
export type WidgetAckData<E extends WidgetEventName> =
  WidgetClientEvents[E]['ack'];

/** A widget gateway handler's return type for event E. */
export type WidgetAnswer<E extends WidgetEventName> = HandlerAnswer<
  WidgetAckData<E>
>;

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

/** Payload of each server → widget event. */
export interface WidgetServerEvents {
  [WidgetServerEvent.SessionInit]: SessionIdEvent;
  [WidgetServerEvent.Message]: MessageView;
  [WidgetServerEvent.MessageDelta]: MessageDeltaEvent;
  [WidgetServerEvent.AiTyping]: AiTypingEvent;
  [WidgetServerEvent.AdminTyping]: TypingEvent;
  [WidgetServerEvent.MessagesRead]: MessagesReadEvent;
  [WidgetServerEvent.AiModeChanged]: AiModeChangedEvent;
  [WidgetServerEvent.SessionStatus]: SessionStatusEvent;
  [WidgetServerEvent.Error]: SocketErrorEvent;
}
