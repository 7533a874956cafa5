import { ApiProperty } from '@nestjs/swagger';

export const SENDERS = ['user', 'admin', 'ai', 'system'] as const;
export type Sender = (typeof SENDERS)[number];

/** A stored message as the database returns it; ids are bigints there and strings on the wire. */
export interface MessageRecord {
  id: bigint;
  sessionId: string;
  sender: Sender;
  content: string;
  clientMessageId: string | null;
  adminId: string | null;
  createdAt: Date;
}

export class MessageView {
  @ApiProperty({
    description:
      'Message id, a positive integer as a string: ordering by id equals commit order within a session, so it is an ' +
      'exact cursor. Ids come from one sequence shared by all sessions, so they have gaps: never expect id + 1',
    example: '1042',
  })
  id: string;

  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty({ enum: SENDERS })
  sender: Sender;

  @ApiProperty({ description: 'Trimmed text of the message' })
  content: string;

  @ApiProperty({
    description: 'ISO-8601 commit time',
    example: '2026-11-25T12:00:00.000Z',
  })
  timestamp: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The idempotency key the sender supplied, if any',
  })
  clientMessageId: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'The agent who wrote an admin message',
  })
  adminId: string | null;
}

export function toMessageView(record: MessageRecord): MessageView {
  return {
    id: record.id.toString(),
    sessionId: record.sessionId,
    sender: record.sender,
    content: record.content,
    timestamp: record.createdAt.toISOString(),
    clientMessageId: record.clientMessageId,
    adminId: record.adminId,
  };
}

export class MessagePageView {
  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty({ type: [MessageView], description: 'Oldest first' })
  messages: MessageView[];

  @ApiProperty({
    description: 'Whether more messages exist in the direction asked for',
  })
  hasMore: boolean;
}
