import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors';
import { MessageView } from '../../messages/dto/message.view';
import {
  SESSION_STATUSES,
  type SessionStatus,
  SessionSummary,
} from '../../sessions/dto/session.view';

/**
 * Payloads of server → client events and data of acks that no REST route returns. The event maps
 * (widget.events.ts, admin.events.ts) name these classes as types, and the AsyncAPI document is built from
 * their decorators, so the document describes exactly what the gateways are typed to send.
 */

/** Every `ai-error` code: the provider's failures after its last attempt, and a spent AI budget. */
export const AI_ERROR_CODES = [
  'RATE_LIMITED',
  'PROVIDER_ERROR',
  'TIMEOUT',
  'AUTH_FAILED',
  'BAD_REQUEST',
  'NETWORK_ERROR',
  'EMPTY_REPLY',
  'BUDGET_EXHAUSTED',
] as const;

/** The name the error codes' enum has among the document's schemas. */
export const ERROR_CODE_SCHEMA = 'ErrorCode';

export class SessionIdEvent {
  @ApiProperty({ format: 'uuid' })
  sessionId: string;
}

export class SocketErrorEvent {
  @ApiProperty({
    description: 'The name of the event, sent without a callback, that failed',
  })
  event: string;

  @ApiProperty({ enum: ErrorCode, enumName: ERROR_CODE_SCHEMA })
  code: ErrorCode;

  @ApiProperty()
  message: string;
}

export class MessageDeltaEvent {
  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty({
    description:
      'One attempt of one AI reply; a new streamId replaces the draft (a retried attempt starts over)',
  })
  streamId: string;

  @ApiProperty({ description: 'The next piece of the reply text' })
  delta: string;
}

export class AiTypingEvent {
  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty({
    description: 'true when the AI starts on a reply, false when it is done',
  })
  typing: boolean;
}

export class TypingEvent {
  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty()
  isTyping: boolean;
}

export class MessagesReadEvent {
  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty({
    enum: ['user', 'admin'],
    description: "'user' to admins, 'admin' to the widget",
  })
  by: 'user' | 'admin';

  @ApiProperty({ description: 'Read up to and including this message id' })
  upTo: string;
}

export class AiModeChangedEvent {
  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty({ description: 'Whether the AI assistant answers this session' })
  enabled: boolean;
}

export class SessionStatusEvent {
  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty({ enum: SESSION_STATUSES })
  status: SessionStatus;
}

export class NewMessageEvent {
  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty({ type: MessageView })
  message: MessageView;
}

export class SessionUpdatedEvent {
  @ApiProperty({ type: SessionSummary })
  session: SessionSummary;
}

export class AiErrorEvent {
  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty({
    enum: AI_ERROR_CODES,
    description:
      'Why the AI stepped aside: a provider failure after the last attempt, or BUDGET_EXHAUSTED',
  })
  code: string;

  @ApiProperty({
    description: 'For agents; never a key or the words of the provider',
  })
  message: string;
}

/** Ack data of `user_message` and `admin_message`. */
export class SentMessageAck {
  @ApiProperty({ type: MessageView, description: 'The committed message' })
  message: MessageView;
}

/** Ack data of `get-sessions`. */
export class LiveSessionsAck {
  @ApiProperty({
    type: [SessionSummary],
    description: 'Live sessions, newest activity first, at most 200',
  })
  sessions: SessionSummary[];
}

/** `error` of a refused ack: `{ ok: false, error }`. */
export class AckError {
  @ApiProperty({ enum: ErrorCode, enumName: ERROR_CODE_SCHEMA })
  code: ErrorCode;

  @ApiProperty()
  message: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Extra facts: `fields` for VALIDATION_FAILED, `retryAfterMs` for RATE_LIMITED, `maxMessages` for CONFLICT',
  })
  details?: Record<string, unknown>;
}
