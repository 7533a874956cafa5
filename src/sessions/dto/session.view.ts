import { ApiProperty } from '@nestjs/swagger';
import { MessageView } from '../../messages/dto/message.view';

export const SESSION_STATUSES = ['open', 'resolved'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** A stored session as the database returns it. */
export interface SessionRecord {
  id: string;
  ipAddress: string | null;
  userAgent: string | null;
  status: SessionStatus;
  aiEnabled: boolean;
  assignedAdminId: string | null;
  unreadCount: number;
  lastActivityAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** What a session summary is made of: the part of a session every committed message returns. */
export type SessionState = Pick<
  SessionRecord,
  | 'id'
  | 'status'
  | 'aiEnabled'
  | 'assignedAdminId'
  | 'unreadCount'
  | 'lastActivityAt'
>;

export class SessionView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({
    format: 'uuid',
    description: 'Same as id (kept for older clients)',
  })
  sessionId: string;

  @ApiProperty({ type: String, nullable: true })
  userAgent: string | null;

  @ApiProperty({ type: String, nullable: true })
  ipAddress: string | null;

  @ApiProperty({ enum: SESSION_STATUSES })
  status: SessionStatus;

  @ApiProperty({ description: 'Whether the AI assistant answers this session' })
  aiEnabled: boolean;

  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  assignedAdminId: string | null;

  @ApiProperty()
  createdAt: string;

  @ApiProperty()
  updatedAt: string;
}

export function toSessionView(record: SessionRecord): SessionView {
  return {
    id: record.id,
    sessionId: record.id,
    userAgent: record.userAgent,
    ipAddress: record.ipAddress,
    status: record.status,
    aiEnabled: record.aiEnabled,
    assignedAdminId: record.assignedAdminId,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

export class CreatedSessionView {
  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty({ type: SessionView })
  session: SessionView;
}

export class InitSessionResult extends CreatedSessionView {
  @ApiProperty({
    type: [MessageView],
    description: 'The latest 50 messages, oldest first',
  })
  messages: MessageView[];
}

/** One row of the admin lists. */
export class SessionSummary {
  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty({
    example: 'User-3f2a9c1b',
    description: "'User-' and the first 8 characters of the id",
  })
  user: string;

  @ApiProperty({
    description: "Content of the last message ('' when there is none)",
  })
  lastMessage: string;

  @ApiProperty({
    description: "The last message's time, or the session's creation time",
  })
  timestamp: string;

  @ApiProperty({ description: 'A widget socket of the session is connected' })
  isActive: boolean;

  @ApiProperty({ enum: SESSION_STATUSES })
  status: SessionStatus;

  @ApiProperty()
  aiEnabled: boolean;

  @ApiProperty({ description: "User messages after the agents' last read" })
  unreadCount: number;

  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  assignedAdminId: string | null;
}

export function toSessionSummary(
  record: SessionState,
  lastMessage: string,
  isActive: boolean,
): SessionSummary {
  return {
    sessionId: record.id,
    user: `User-${record.id.slice(0, 8)}`,
    lastMessage,
    timestamp: record.lastActivityAt.toISOString(),
    isActive,
    status: record.status,
    aiEnabled: record.aiEnabled,
    unreadCount: record.unreadCount,
    assignedAdminId: record.assignedAdminId,
  };
}

/** `GET/PATCH /api/admin/sessions/:id`: the session with its summary fields. */
export class AdminSessionView extends SessionView {
  @ApiProperty({ example: 'User-3f2a9c1b' })
  user: string;

  @ApiProperty()
  lastMessage: string;

  @ApiProperty({
    description: "The last message's time, or the session's creation time",
  })
  timestamp: string;

  @ApiProperty()
  isActive: boolean;

  @ApiProperty()
  unreadCount: number;
}

export class SessionExport {
  @ApiProperty({ type: SessionView })
  session: SessionView;

  @ApiProperty({
    type: [MessageView],
    description: 'Every message, oldest first',
  })
  messages: MessageView[];
}
