import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import type { MessageRecord } from '../messages/dto/message.view';
import { PrismaService } from '../prisma/prisma.service';
import type { SessionRecord, SessionStatus } from './dto/session.view';

export interface NewSession {
  id: string;
  ipAddress: string | null;
  userAgent: string | null;
  aiEnabled: boolean;
}

export interface ActivityCursor {
  lastActivityAt: Date;
  id: string;
}

export interface SessionListFilter {
  status?: SessionStatus;
  text?: string;
  after?: ActivityCursor;
  limit: number;
}

export interface SessionWithLastMessage {
  record: SessionRecord;
  lastMessage: string;
}

const LAST_MESSAGE = {
  messages: { select: { content: true }, orderBy: { id: 'desc' }, take: 1 },
} as const;

/**
 * Sessions with a message containing $1 (an ILIKE pattern), newest activity first, after the cursor
 * ($3, $4) and of status $2 when given. The trigram index on messages.content answers the ILIKE, so a
 * rare word costs a few index pages instead of a read of every message; for a common one the planner
 * walks the newest sessions and stops at the page's end.
 */
export const SEARCH_SESSIONS = `
  SELECT s.id FROM chat_sessions AS s
  WHERE s.id IN (SELECT m.session_id FROM messages AS m WHERE m.content ILIKE $1::text)
    AND ($2::session_status IS NULL OR s.status = $2::session_status)
    AND ($3::timestamptz IS NULL OR (s.last_activity_at, s.id) < ($3::timestamptz, $4::uuid))
  ORDER BY s.last_activity_at DESC, s.id DESC
  LIMIT $5::integer`;

/** The parameters of SEARCH_SESSIONS for a filter with text. */
export function searchSessionsParams(
  filter: SessionListFilter & { text: string },
): unknown[] {
  return [
    `%${escapeLikePattern(filter.text)}%`,
    filter.status ?? null,
    filter.after?.lastActivityAt ?? null,
    filter.after?.id ?? null,
    filter.limit + 1,
  ];
}

@Injectable()
export class SessionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  findById(id: string): Promise<SessionRecord | null> {
    return this.prisma.chatSession.findUnique({ where: { id } });
  }

  /** Creates the session unless one with that id appeared meanwhile; returns the stored row either way. */
  async createOrGet(
    session: NewSession,
  ): Promise<{ record: SessionRecord; created: boolean }> {
    const created = await this.prisma.chatSession.createManyAndReturn({
      data: [session],
      skipDuplicates: true,
    });
    if (created[0]) return { record: created[0], created: true };
    return { record: (await this.findById(session.id))!, created: false };
  }

  async findWithLastMessage(
    id: string,
  ): Promise<SessionWithLastMessage | null> {
    const row = await this.prisma.chatSession.findUnique({
      where: { id },
      include: LAST_MESSAGE,
    });
    return row && toWithLastMessage(row);
  }

  /** The given sessions, newest activity first. */
  async findManyWithLastMessage(
    ids: string[],
    limit: number,
  ): Promise<SessionWithLastMessage[]> {
    const rows = await this.prisma.chatSession.findMany({
      where: { id: { in: ids } },
      orderBy: [{ lastActivityAt: 'desc' }, { id: 'desc' }],
      take: limit,
      include: LAST_MESSAGE,
    });
    return rows.map(toWithLastMessage);
  }

  /** Sessions newest activity first, after the cursor; one more than `limit` tells whether more exist. */
  async findPage(filter: SessionListFilter): Promise<SessionWithLastMessage[]> {
    if (filter.text) return this.search({ ...filter, text: filter.text });
    const where: Prisma.ChatSessionWhereInput = {
      ...(filter.status && { status: filter.status }),
      ...(filter.after && {
        OR: [
          { lastActivityAt: { lt: filter.after.lastActivityAt } },
          {
            lastActivityAt: filter.after.lastActivityAt,
            id: { lt: filter.after.id },
          },
        ],
      }),
    };
    const rows = await this.prisma.chatSession.findMany({
      where,
      orderBy: [{ lastActivityAt: 'desc' }, { id: 'desc' }],
      take: filter.limit + 1,
      include: LAST_MESSAGE,
    });
    return rows.map(toWithLastMessage);
  }

  private async search(
    filter: SessionListFilter & { text: string },
  ): Promise<SessionWithLastMessage[]> {
    const hits = await this.prisma.sql<{ id: string }>(
      SEARCH_SESSIONS,
      searchSessionsParams(filter),
    );
    const rows = await this.prisma.chatSession.findMany({
      where: { id: { in: hits.map(({ id }) => id) } },
      include: LAST_MESSAGE,
    });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return hits.flatMap(({ id }) => {
      const row = byId.get(id);
      // Erased between the two queries: simply not listed.
      return row ? [toWithLastMessage(row)] : [];
    });
  }

  /** Returns whether the value changed, or null when the session does not exist. */
  async setStatus(id: string, status: SessionStatus): Promise<boolean | null> {
    const { count } = await this.prisma.chatSession.updateMany({
      where: { id, status: { not: status } },
      data: { status },
    });
    return count > 0 ? true : (await this.exists(id)) ? false : null;
  }

  /** Returns whether the session exists. */
  async assign(id: string, adminId: string | null): Promise<boolean> {
    const { count } = await this.prisma.chatSession.updateMany({
      where: { id },
      data: { assignedAdminId: adminId },
    });
    return count > 0;
  }

  /** Whether this account exists and is not disabled: only those can take conversations. */
  async isActiveAdmin(adminId: string): Promise<boolean> {
    return (
      (await this.prisma.admin.count({
        where: { id: adminId, disabled: false },
      })) > 0
    );
  }

  /** The id of the session's latest message, if any. */
  async latestMessageId(id: string): Promise<bigint | null> {
    const latest = await this.prisma.message.findFirst({
      where: { sessionId: id },
      orderBy: { id: 'desc' },
      select: { id: true },
    });
    return latest?.id ?? null;
  }

  /** Agents have read up to `upTo`: the unread count becomes the user messages after it. */
  async markReadByAdmins(id: string, upTo: bigint): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const unreadCount = await tx.message.count({
        where: { sessionId: id, sender: 'user', id: { gt: upTo } },
      });
      await tx.chatSession.update({
        where: { id },
        data: { adminLastReadMessageId: upTo, unreadCount },
      });
    });
  }

  /** Deletes the session; its messages go with it (on delete cascade). Returns whether it existed. */
  async erase(id: string): Promise<boolean> {
    const { count } = await this.prisma.chatSession.deleteMany({
      where: { id },
    });
    return count > 0;
  }

  /**
   * Erases up to `limit` resolved sessions last changed before `cutoff`, oldest first, with their messages.
   * Rows another instance is erasing at the same moment are skipped, not waited for.
   */
  async eraseResolvedBefore(cutoff: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.sql<{ id: string }>(
      `DELETE FROM chat_sessions WHERE id IN (
         SELECT id FROM chat_sessions
         WHERE status = 'resolved' AND updated_at < $1::timestamptz
         ORDER BY updated_at
         LIMIT $2::integer
         FOR UPDATE SKIP LOCKED
       ) RETURNING id`,
      [cutoff, limit],
    );
    return rows.map(({ id }) => id);
  }

  allMessages(id: string): Promise<MessageRecord[]> {
    return this.prisma.message.findMany({
      where: { sessionId: id },
      orderBy: { id: 'asc' },
    });
  }

  /** Returns whether the value changed, or null when the session does not exist. */
  async setAiEnabled(id: string, aiEnabled: boolean): Promise<boolean | null> {
    const { count } = await this.prisma.chatSession.updateMany({
      where: { id, aiEnabled: !aiEnabled },
      data: { aiEnabled },
    });
    return count > 0 ? true : (await this.exists(id)) ? false : null;
  }

  private async exists(id: string): Promise<boolean> {
    return (await this.prisma.chatSession.count({ where: { id } })) > 0;
  }
}

function toWithLastMessage({
  messages,
  ...record
}: SessionRecord & {
  messages: { content: string }[];
}): SessionWithLastMessage {
  return { record, lastMessage: messages[0]?.content ?? '' };
}

/** `%` and `_` in a search must match themselves, and a backslash is ILIKE's escape character. */
function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}
