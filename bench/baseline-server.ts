/**
 * The yardstick of ARCHITECTURE.md's hot-path budget: a raw socket.io + pg server doing what the app does
 * for a user message (commit, ack, fan-out to the session's other sockets and to every admin), and nothing
 * else. It uses the app's schema and the app's one-statement insert, so the database does the same work
 * for both servers and the comparison measures what the app adds around it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import { Pool } from 'pg';
import { type Namespace, Server, type Socket } from 'socket.io';
import { ErrorCode, type ErrorBody } from '../src/common/errors';
import type { Ack } from '../src/realtime/ack';
import type { MessageView } from '../src/messages/dto/message.view';
import { AdminServerEvent } from '../src/realtime/admin.events';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';
import type { SessionSummary } from '../src/sessions/dto/session.view';

/** The app's defaults: pool size (src/prisma/database-connection.ts) and frame limit (src/app.setup.ts). */
const POOL_SIZE = 10;
const MESSAGE_MAX_LENGTH = 4000;
const MAX_HTTP_BUFFER_SIZE = MESSAGE_MAX_LENGTH * 4 + 16 * 1024;
const CLIENT_MESSAGE_ID_MAX_LENGTH = 100;

const ADMINS_ROOM = 'admins';
const sessionRoom = (sessionId: string): string => `session:${sessionId}`;

type Failure = { ok: false; error: ErrorBody };
type MessageAck = Ack<{ message: MessageView }>;
type InitAck = Ack<{
  sessionId: string;
  session: SessionRow;
  messages: MessageView[];
}>;
type AckCallback<T extends Ack> = (reply: T) => void;

interface SessionRow {
  id: string;
  ip_address: string | null;
  user_agent: string | null;
  status: 'open' | 'resolved';
  ai_enabled: boolean;
  assigned_admin_id: string | null;
  unread_count: number;
  last_activity_at: Date;
  created_at: Date;
  updated_at: Date;
}

interface InsertRow {
  message_id: string | null;
  message_created_at: Date | null;
  status: SessionRow['status'] | null;
  ai_enabled: boolean | null;
  assigned_admin_id: string | null;
  unread_count: number | null;
  last_activity_at: Date | null;
}

interface UserMessageInput {
  sessionId: string;
  content: string;
  clientMessageId: string | null;
}

/** The app's statement (src/messages/messages.repository.ts), with a user message's constants as parameters. */
const INSERT_MESSAGE_SQL = `
  WITH locked AS (
    SELECT id, status, ai_enabled FROM chat_sessions WHERE id = $1::uuid FOR UPDATE
  ), inserted AS (
    INSERT INTO messages (session_id, sender, content, client_message_id, admin_id)
    SELECT locked.id, $2::message_sender, $3, $4, NULL::uuid
    FROM locked
    ON CONFLICT (session_id, client_message_id) DO NOTHING
    RETURNING id, session_id, created_at
  ), updated AS (
    UPDATE chat_sessions AS s SET
      last_activity_at = inserted.created_at,
      updated_at = inserted.created_at,
      status = CASE WHEN $5::boolean THEN 'open'::session_status ELSE s.status END,
      ai_enabled = CASE WHEN $6::boolean THEN false ELSE s.ai_enabled END,
      unread_count = s.unread_count + CASE WHEN $2 = 'user' THEN 1 ELSE 0 END
    FROM inserted
    WHERE s.id = inserted.session_id
    RETURNING s.*
  )
  SELECT inserted.id AS message_id, inserted.created_at AS message_created_at,
    updated.status, updated.ai_enabled, updated.assigned_admin_id, updated.unread_count,
    updated.last_activity_at
  FROM locked
  LEFT JOIN inserted ON true
  LEFT JOIN updated ON true`;

const SELECT_ORIGINAL_SQL = `
  SELECT id, content, sender, created_at FROM messages WHERE session_id = $1 AND client_message_id = $2`;

const INSERT_SESSION_SQL = `
  INSERT INTO chat_sessions (id, ip_address, user_agent, ai_enabled) VALUES ($1, $2, $3, false) RETURNING *`;

function failure(code: ErrorCode, message: string): Failure {
  return { ok: false, error: { code, message } };
}

/** An event sent without a callback gets no answer, rather than crashing the server. */
function replyOf<T extends Ack>(ack: unknown): AckCallback<T> {
  return typeof ack === 'function' ? (ack as AckCallback<T>) : () => undefined;
}

function sessionIdsOf(socket: Socket): Set<string> {
  const data = socket.data as { sessionIds?: Set<string> };
  data.sessionIds ??= new Set<string>();
  return data.sessionIds;
}

/** The contract counts characters in Unicode code points, not UTF-16 units. */
function codePointLength(text: string): number {
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      index++;
    }
    length++;
  }
  return length;
}

/** The contract's checks of a user message, nothing more: shape, bound session, trimmed length. */
function parseUserMessage(
  payload: unknown,
  socket: Socket,
): UserMessageInput | Failure {
  const { sessionId, content, clientMessageId } = (payload ?? {}) as Record<
    string,
    unknown
  >;
  if (typeof sessionId !== 'string' || typeof content !== 'string') {
    return failure(ErrorCode.VALIDATION_FAILED, 'sessionId and content');
  }
  if (
    clientMessageId !== undefined &&
    (typeof clientMessageId !== 'string' ||
      clientMessageId.length === 0 ||
      clientMessageId.length > CLIENT_MESSAGE_ID_MAX_LENGTH)
  ) {
    return failure(ErrorCode.VALIDATION_FAILED, 'clientMessageId');
  }
  if (!sessionIdsOf(socket).has(sessionId)) {
    return failure(ErrorCode.FORBIDDEN, 'send init_session first');
  }
  const trimmed = content.trim();
  const length = codePointLength(trimmed);
  if (length === 0 || length > MESSAGE_MAX_LENGTH) {
    return failure(ErrorCode.VALIDATION_FAILED, 'content length');
  }
  return {
    sessionId,
    content: trimmed,
    clientMessageId: clientMessageId ?? null,
  };
}

function toMessageView(
  input: UserMessageInput,
  id: string,
  createdAt: Date,
): MessageView {
  return {
    id,
    sessionId: input.sessionId,
    sender: 'user',
    content: input.content,
    timestamp: createdAt.toISOString(),
    clientMessageId: input.clientMessageId,
    adminId: null,
  };
}

function toSummary(
  row: InsertRow,
  message: MessageView,
  isActive: boolean,
): SessionSummary {
  return {
    sessionId: message.sessionId,
    user: `User-${message.sessionId.slice(0, 8)}`,
    lastMessage: message.content,
    timestamp: row.last_activity_at!.toISOString(),
    isActive,
    status: row.status!,
    aiEnabled: row.ai_enabled!,
    unreadCount: row.unread_count!,
    assignedAdminId: row.assigned_admin_id,
  };
}

class BaselineServer {
  private readonly widgets: Namespace;
  private readonly admins: Namespace;

  constructor(
    private readonly pool: Pool,
    io: Server,
  ) {
    this.widgets = io.of('/');
    this.admins = io.of('/admin');
    this.widgets.on('connection', (socket) => this.onWidget(socket));
    this.admins.on('connection', (socket) => void socket.join(ADMINS_ROOM));
  }

  private onWidget(socket: Socket): void {
    socket.on(WidgetEvent.InitSession, (_payload: unknown, ack: unknown) => {
      const reply = replyOf<InitAck>(ack);
      this.initSession(socket).then(reply, () =>
        reply(failure(ErrorCode.INTERNAL, 'init_session failed')),
      );
    });
    socket.on(WidgetEvent.UserMessage, (payload: unknown, ack: unknown) => {
      const reply = replyOf<MessageAck>(ack);
      this.userMessage(socket, payload, reply).catch(() =>
        reply(failure(ErrorCode.INTERNAL, 'user_message failed')),
      );
    });
  }

  private async initSession(socket: Socket): Promise<InitAck> {
    const { rows } = await this.pool.query<SessionRow>(INSERT_SESSION_SQL, [
      randomUUID(),
      socket.handshake.address,
      socket.handshake.headers['user-agent'] ?? null,
    ]);
    const session = rows[0];
    await socket.join(sessionRoom(session.id));
    sessionIdsOf(socket).add(session.id);
    return { ok: true, sessionId: session.id, session, messages: [] };
  }

  /** Commit, then ack, then fan out: one statement, one ack, one emit per room. */
  private async userMessage(
    socket: Socket,
    payload: unknown,
    ack: AckCallback<MessageAck>,
  ): Promise<void> {
    const input = parseUserMessage(payload, socket);
    if ('ok' in input) return ack(input);
    const { rows } = await this.pool.query<InsertRow>(INSERT_MESSAGE_SQL, [
      input.sessionId,
      'user',
      input.content,
      input.clientMessageId,
      true,
      false,
    ]);
    const row = rows[0];
    if (!row) return ack(failure(ErrorCode.NOT_FOUND, 'Session not found'));
    if (row.message_id === null) return ack(await this.original(input));
    const message = toMessageView(
      input,
      row.message_id,
      row.message_created_at!,
    );
    ack({ ok: true, message });
    this.fanOut(socket, row, message);
  }

  private fanOut(sender: Socket, row: InsertRow, message: MessageView): void {
    const room = sessionRoom(message.sessionId);
    sender.to(room).emit(WidgetServerEvent.Message, message);
    this.admins.to(room).emit(AdminServerEvent.Message, message);
    this.admins.to(ADMINS_ROOM).emit(AdminServerEvent.NewMessage, {
      sessionId: message.sessionId,
      message,
    });
    const isActive = (this.widgets.adapter.rooms.get(room)?.size ?? 0) > 0;
    this.admins.to(ADMINS_ROOM).emit(AdminServerEvent.SessionUpdated, {
      session: toSummary(row, message, isActive),
    });
  }

  /** A retried clientMessageId acks the original message, or CONFLICT when it was another one. */
  private async original(input: UserMessageInput): Promise<MessageAck> {
    const { rows } = await this.pool.query<{
      id: string;
      content: string;
      sender: string;
      created_at: Date;
    }>(SELECT_ORIGINAL_SQL, [input.sessionId, input.clientMessageId]);
    const original = rows[0];
    if (
      !original ||
      original.sender !== 'user' ||
      original.content !== input.content
    ) {
      return failure(ErrorCode.CONFLICT, 'clientMessageId already used');
    }
    return {
      ok: true,
      message: toMessageView(input, original.id, original.created_at),
    };
  }
}

function listen(http: HttpServer, port: number): Promise<void> {
  return new Promise((resolve) => http.listen(port, '127.0.0.1', resolve));
}

async function main(): Promise<void> {
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: POOL_SIZE,
  });
  const http = createServer((request, response) => {
    response.writeHead(request.url === '/health' ? 200 : 404).end();
  });
  const io = new Server(http, { maxHttpBufferSize: MAX_HTTP_BUFFER_SIZE });
  new BaselineServer(pool, io);
  await listen(http, Number(process.env.PORT ?? 0));
  process.once('SIGTERM', () => {
    void io.close().finally(() => void pool.end());
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
