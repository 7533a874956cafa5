export { ChatError, type ChatErrorCode } from './errors';
export { Conversation, type Draft, type PendingMessage } from './conversation';
export {
  VisitorChat,
  type ConnectionState,
  type StoredValues,
  type VisitorChatEvents,
  type VisitorChatOptions,
  type VisitorChatState,
  type VisitorSession,
} from './visitor-chat';
export {
  AgentChat,
  AgentConversation,
  signIn,
  type AgentChatEvents,
  type AgentConversationState,
  type AgentCredentials,
  type SignOutReason,
} from './agent-chat';
export { PROTOCOL_VERSION, TypedSocket } from './typed-socket';
export {
  WidgetEvent,
  WidgetServerEvent,
  type WidgetClientEvents,
  type WidgetServerEvents,
} from '../../src/realtime/widget.events';
export {
  AdminEvent,
  AdminServerEvent,
  type AdminClientEvents,
  type AdminServerEvents,
} from '../../src/realtime/admin.events';
export type { MessageView, Sender } from '../../src/messages/dto/message.view';
export { isSearchableText } from '../../src/sessions/dto/search-text';
export type {
  SessionSummary,
  SessionView,
  SessionStatus,
} from '../../src/sessions/dto/session.view';
export type { AdminView, AgentView } from '../../src/auth/dto/admin.view';
