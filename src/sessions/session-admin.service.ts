import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Subject } from 'rxjs';
import { AppError, ErrorCode } from '../common/errors';
import type { Settings } from '../config/settings';
import type {
  ListSessionsQuery,
  UpdateSessionDto,
} from './dto/session-admin.dto';
import { toMessageView } from '../messages/dto/message.view';
import { DEFAULT_PAGE_SIZE } from '../messages/dto/message-page.dto';
import { ChatEventsPublisher } from '../realtime/chat-events.publisher';
import { PresenceService } from '../realtime/presence.service';
import { WidgetServerEvent } from '../realtime/widget.events';
import {
  type AdminSessionView,
  type SessionExport,
  type SessionStatus,
  type SessionSummary,
  toSessionSummary,
  toSessionView,
} from './dto/session.view';
import { type ActivityCursor, SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

export interface SessionPage {
  sessions: SessionSummary[];
  nextCursor: string | null;
}

/** What agents do to sessions, on the admin socket and the admin REST routes alike. */
@Injectable()
export class SessionAdminService {
  /** Ids of erased sessions, for features with work under way in them (an AI reply). */
  readonly erased$ = new Subject<string>();

  constructor(
    private readonly repository: SessionsRepository,
    private readonly sessions: SessionsService,
    private readonly publisher: ChatEventsPublisher,
    private readonly presence: PresenceService,
    private readonly config: ConfigService<Settings, true>,
  ) {}

  async list(query: ListSessionsQuery): Promise<SessionPage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.findPage({
      status: query.status,
      text: query.q,
      after:
        query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      limit,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1)?.record;
    const live = await this.presence.activeAmong(
      page.map(({ record }) => record.id),
    );
    return {
      sessions: page.map(({ record, lastMessage }) =>
        toSessionSummary(record, lastMessage, live.has(record.id)),
      ),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }

  async detail(sessionId: string): Promise<AdminSessionView> {
    const record = await this.repository.findById(sessionId);
    if (!record) throw notFound();
    const { sessionId: _, ...summary } = await this.sessions.summary(sessionId);
    return Object.assign(toSessionView(record), summary);
  }

  async update(
    sessionId: string,
    patch: UpdateSessionDto,
  ): Promise<AdminSessionView> {
    if (patch.status !== undefined)
      await this.setStatus(sessionId, patch.status);
    if (patch.aiEnabled !== undefined)
      await this.setAiMode(sessionId, patch.aiEnabled);
    if (patch.assignedAdminId !== undefined)
      await this.assign(sessionId, patch.assignedAdminId);
    return this.detail(sessionId);
  }

  /** Hands the session to the AI or takes it away; turning it on needs a configured key. */
  async setAiMode(sessionId: string, enabled: boolean): Promise<void> {
    if (enabled && this.config.get('aiApiKeys', { infer: true }).length === 0) {
      throw new AppError(
        ErrorCode.UNAVAILABLE,
        'The AI assistant is not configured (no AI_API_KEYS)',
      );
    }
    await this.sessions.setAiMode(sessionId, enabled);
  }

  async setStatus(sessionId: string, status: SessionStatus): Promise<void> {
    const changed = await this.repository.setStatus(sessionId, status);
    if (changed === null) throw notFound();
    if (!changed) return;
    this.publisher.toSessionWidgets(
      sessionId,
      WidgetServerEvent.SessionStatus,
      { sessionId, status },
    );
    await this.sessions.announce(sessionId);
  }

  async assign(sessionId: string, adminId: string | null): Promise<void> {
    if (adminId !== null && !(await this.repository.isActiveAdmin(adminId))) {
      throw new AppError(ErrorCode.NOT_FOUND, 'No active agent has that id');
    }
    if (!(await this.repository.assign(sessionId, adminId))) throw notFound();
    await this.sessions.announce(sessionId);
  }

  /** Agents have read the session (up to `upTo`, or its latest message): unread resets, the widget is told. */
  async markRead(sessionId: string, upTo: string | undefined): Promise<void> {
    const readUpTo =
      upTo === undefined ? await this.latestMessageId(sessionId) : BigInt(upTo);
    if (readUpTo === null) return;
    await this.repository.markReadByAdmins(sessionId, readUpTo);
    this.publisher.toSessionWidgets(sessionId, WidgetServerEvent.MessagesRead, {
      sessionId,
      by: 'admin',
      upTo: readUpTo.toString(),
    });
    await this.sessions.announce(sessionId);
  }

  /** Erases the session and every message of it, for privacy requests. */
  async erase(sessionId: string): Promise<void> {
    if (!(await this.repository.erase(sessionId))) throw notFound();
    this.erased$.next(sessionId);
  }

  /** Erases up to `limit` resolved sessions untouched since `cutoff` (the retention period); returns their ids. */
  async eraseResolvedBefore(cutoff: Date, limit: number): Promise<string[]> {
    const erased = await this.repository.eraseResolvedBefore(cutoff, limit);
    for (const sessionId of erased) this.erased$.next(sessionId);
    return erased;
  }

  async export(sessionId: string): Promise<SessionExport> {
    const record = await this.repository.findById(sessionId);
    if (!record) throw notFound();
    const messages = await this.repository.allMessages(sessionId);
    return {
      session: toSessionView(record),
      messages: messages.map(toMessageView),
    };
  }

  async assertExists(sessionId: string): Promise<void> {
    if (!(await this.repository.findById(sessionId))) throw notFound();
  }

  private async latestMessageId(sessionId: string): Promise<bigint | null> {
    await this.assertExists(sessionId);
    return this.repository.latestMessageId(sessionId);
  }
}

/** What encodeCursor writes; anything else, such as a year PostgreSQL cannot hold, would fail in the query. */
const CURSOR =
  /^(?!0000)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function notFound(): AppError {
  return new AppError(ErrorCode.NOT_FOUND, 'Session not found');
}

function encodeCursor({ lastActivityAt, id }: ActivityCursor): string {
  return Buffer.from(`${lastActivityAt.toISOString()}|${id}`).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): ActivityCursor {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const [at, id] = decoded.split('|');
  const lastActivityAt = new Date(at);
  if (!CURSOR.test(decoded) || Number.isNaN(lastActivityAt.getTime())) {
    throw new AppError(
      ErrorCode.VALIDATION_FAILED,
      'cursor is not a cursor this server returned',
    );
  }
  return { lastActivityAt, id };
}
