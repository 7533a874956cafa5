import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import type { SessionState, SessionStatus } from '../sessions/dto/session.view';
import type { MessageRecord, Sender } from './dto/message.view';

export interface NewMessage {
  sessionId: string;
  sender: Sender;
  content: string;
  clientMessageId: string | null;
  adminId: string | null;
  /** A user message reopens a resolved session. */
  reopen: boolean;
  /** An agent's reply turns the AI off (AI_PAUSE_ON_ADMIN_REPLY). */
  pauseAi: boolean;
  /** A visitor's message is refused once the session holds this many messages (SESSION_MAX_MESSAGES). */
  maxMessages: number;
}

export type InsertOutcome =
  | { kind: 'session-not-found' }
  | { kind: 'duplicate' }
  | { kind: 'session-full' }
  | {
      kind: 'inserted';
      message: MessageRecord;
      session: SessionState;
      previousStatus: SessionStatus;
      previousAiEnabled: boolean;
    };

/** A row as the driver returns it: bigints arrive as strings or bigints depending on the driver. */
interface InsertRow {
  found_session_id: string;
  previous_status: SessionStatus;
  previous_ai_enabled: boolean;
  session_full: boolean;
  message_id: string | bigint | null;
  message_created_at: Date | null;
  session_status: SessionStatus | null;
  session_ai_enabled: boolean | null;
  session_assigned_admin_id: string | null;
  session_unread_count: number | null;
  session_last_activity_at: Date | null;
}

/**
 * Inserts a message and updates its session in one statement (one round trip). The session row is
 * locked before the id is drawn from the sequence, so ids within a session follow commit order; a
 * repeated (sessionId, clientMessageId) inserts nothing and leaves the session untouched. A full session
 * takes no more visitor messages; agents', the assistant's and the system's still go in, so an answer
 * or a hand-off notice is never lost to the cap.
 */
const INSERT_MESSAGE = `
  WITH locked AS (
    SELECT id, status, ai_enabled, message_count FROM chat_sessions WHERE id = $1::uuid FOR UPDATE
  ), inserted AS (
    INSERT INTO messages (session_id, sender, content, client_message_id, admin_id)
    SELECT locked.id, $2::message_sender, $3::text, $4::text, $5::uuid
    FROM locked
    WHERE $2::message_sender <> 'user' OR locked.message_count < $8::integer
    ON CONFLICT (session_id, client_message_id) DO NOTHING
    RETURNING id, session_id, created_at
  ), updated AS (
    UPDATE chat_sessions AS s SET
      last_activity_at = inserted.created_at,
      updated_at = inserted.created_at,
      status = CASE WHEN $6::boolean THEN 'open'::session_status ELSE s.status END,
      ai_enabled = CASE WHEN $7::boolean THEN false ELSE s.ai_enabled END,
      unread_count = s.unread_count + CASE WHEN $2::message_sender = 'user' THEN 1 ELSE 0 END,
      message_count = s.message_count + 1
    FROM inserted
    WHERE s.id = inserted.session_id
    RETURNING s.status, s.ai_enabled, s.assigned_admin_id, s.unread_count, s.last_activity_at
  )
  SELECT
    locked.id AS found_session_id,
    locked.status AS previous_status,
    locked.ai_enabled AS previous_ai_enabled,
    ($2::message_sender = 'user' AND locked.message_count >= $8::integer) AS session_full,
    inserted.id AS message_id,
    inserted.created_at AS message_created_at,
    updated.status AS session_status,
    updated.ai_enabled AS session_ai_enabled,
    updated.assigned_admin_id AS session_assigned_admin_id,
    updated.unread_count AS session_unread_count,
    updated.last_activity_at AS session_last_activity_at
  FROM locked
  LEFT JOIN inserted ON true
  LEFT JOIN updated ON true`;

export interface MessagePage {
  records: MessageRecord[];
  hasMore: boolean;
}

@Injectable()
export class MessagesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Commits a message with INSERT_MESSAGE, on the driver directly: this is the hot path. */
  async insert(input: NewMessage): Promise<InsertOutcome> {
    const [row] = await this.prisma.sql<InsertRow>(INSERT_MESSAGE, [
      input.sessionId,
      input.sender,
      input.content,
      input.clientMessageId,
      input.adminId,
      input.reopen,
      input.pauseAi,
      input.maxMessages,
    ]);
    if (!row) return { kind: 'session-not-found' };
    if (row.message_id === null) {
      return { kind: row.session_full ? 'session-full' : 'duplicate' };
    }
    const createdAt = row.message_created_at!;
    return {
      kind: 'inserted',
      previousStatus: row.previous_status,
      previousAiEnabled: row.previous_ai_enabled,
      message: {
        id: BigInt(row.message_id),
        sessionId: row.found_session_id,
        sender: input.sender,
        content: input.content,
        clientMessageId: input.clientMessageId,
        adminId: input.adminId,
        createdAt,
      },
      session: {
        id: row.found_session_id,
        status: row.session_status!,
        aiEnabled: row.session_ai_enabled!,
        assignedAdminId: row.session_assigned_admin_id,
        unreadCount: row.session_unread_count!,
        lastActivityAt: row.session_last_activity_at!,
      },
    };
  }

  /**
   * The AI's replies committed after `since`, in one session or (without one) in all, counted up to `upTo`:
   * a budget only needs to know whether it is reached, so a large one costs no more than a small one.
   */
  async countAiRepliesSince(
    since: Date,
    upTo: number,
    sessionId?: string,
  ): Promise<number> {
    const [row] = await this.prisma.sql<{ n: number }>(
      sessionId === undefined
        ? `SELECT count(*)::integer AS n FROM (
             SELECT 1 FROM messages WHERE sender = 'ai' AND created_at > $1::timestamptz LIMIT $2::integer
           ) AS recent`
        : `SELECT count(*)::integer AS n FROM (
             SELECT 1 FROM messages
             WHERE session_id = $3::uuid AND sender = 'ai' AND created_at > $1::timestamptz
             LIMIT $2::integer
           ) AS recent`,
      sessionId === undefined ? [since, upTo] : [since, upTo, sessionId],
    );
    return Number(row?.n ?? 0);
  }

  async sessionExists(sessionId: string): Promise<boolean> {
    return (
      (await this.prisma.chatSession.count({ where: { id: sessionId } })) > 0
    );
  }

  findByClientMessageId(
    sessionId: string,
    clientMessageId: string,
  ): Promise<MessageRecord | null> {
    return this.prisma.message.findUnique({
      where: { sessionId_clientMessageId: { sessionId, clientMessageId } },
    });
  }

  async findAfter(
    sessionId: string,
    after: bigint,
    limit: number,
  ): Promise<MessagePage> {
    const rows = await this.prisma.message.findMany({
      where: { sessionId, id: { gt: after } },
      orderBy: { id: 'asc' },
      take: limit + 1,
    });
    return { records: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  /** The last `limit` messages before the cursor (or the latest, without one), oldest first. */
  async findBefore(
    sessionId: string,
    before: bigint | undefined,
    limit: number,
  ): Promise<MessagePage> {
    const rows = await this.prisma.message.findMany({
      where: {
        sessionId,
        ...(before === undefined ? {} : { id: { lt: before } }),
      },
      orderBy: { id: 'desc' },
      take: limit + 1,
    });
    return {
      records: rows.slice(0, limit).reverse(),
      hasMore: rows.length > limit,
    };
  }
}
