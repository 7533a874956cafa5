import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import type { SessionRecord } from './dto/session.view';

export interface NewSession {
  id: string;
  ipAddress: string | null;
  userAgent: string | null;
  aiEnabled: boolean;
}

export interface SessionWithLastMessage {
  record: SessionRecord;
  lastMessage: string;
}

const LAST_MESSAGE = {
  messages: { select: { content: true }, orderBy: { id: 'desc' }, take: 1 },
} as const;

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

  /** Returns whether the value changed, or null when the session does not exist. */
  async setAiEnabled(id: string, aiEnabled: boolean): Promise<boolean | null> {
    const { count } = await this.prisma.chatSession.updateMany({
      where: { id, aiEnabled: !aiEnabled },
      data: { aiEnabled },
    });
    if (count > 0) return true;
    return (await this.prisma.chatSession.count({ where: { id } })) > 0
      ? false
      : null;
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
