import { Client } from 'pg';
import request from 'supertest';
import type { ErrorCode } from '../src/common/errors';
import type { MessageView } from '../src/messages/dto/message.view';
import { WidgetEvent } from '../src/realtime/widget.events';
import { startAppProcess, type AppProcess } from './utils/app-process';
import {
  ackOk,
  ackWithin,
  closeAll,
  connect,
  sleep,
  type TestSocket,
} from './utils/sockets';
import { proxyInFrontOf } from './utils/tcp-proxy';
import { raisedLimits } from './utils/limits';
import { startApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

const SHUTDOWN_BOUND_MS = 20_000;

/** What became of one send: acknowledged, refused with an error code, or never answered. */
type SendOutcome = 'acked' | 'unanswered' | ErrorCode;

async function openSession(
  url: string,
): Promise<{ socket: TestSocket; sessionId: string }> {
  const socket = await connect(url);
  const { sessionId } = await ackOk(socket, WidgetEvent.InitSession, {});
  return { socket, sessionId };
}

function disconnectReason(socket: TestSocket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', resolve));
}

async function send(
  socket: TestSocket,
  sessionId: string,
  clientMessageId: string,
): Promise<SendOutcome> {
  try {
    const reply = await ackWithin(
      SHUTDOWN_BOUND_MS,
      socket,
      WidgetEvent.UserMessage,
      {
        sessionId,
        content: `message ${clientMessageId}`,
        clientMessageId,
      },
    );
    return reply.ok ? 'acked' : reply.error.code;
  } catch {
    // The connection closed before the server read this event.
    return 'unanswered';
  }
}

describe('SIGTERM', () => {
  let db: TestDatabase;
  let app: AppProcess | undefined;

  beforeEach(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    closeAll();
    await app?.dispose();
    await db.drop();
  });

  it('during a burst: exits cleanly in bounded time, tells sockets to reconnect, and loses no acknowledged message', async () => {
    const visitors = 4;
    const sendsInFlightPerVisitor = 3;
    const acksBeforeSigterm = 60;
    app = await startAppProcess({ ...db.env, ...raisedLimits });
    const server = app;
    const sessions = await Promise.all(
      Array.from({ length: visitors }, () => openSession(server.url)),
    );
    const disconnects = sessions.map(({ socket }) => disconnectReason(socket));

    let acknowledged = 0;
    let sigtermAt = 0;
    const outcomes = new Map<string, SendOutcome>();
    // Each visitor keeps a few sends in flight, as a chatty widget would, until the server stops answering.
    await Promise.all(
      sessions.flatMap(({ socket, sessionId }) => {
        let next = 0;
        return Array.from({ length: sendsInFlightPerVisitor }, async () => {
          for (;;) {
            const clientMessageId = `${sessionId}:${next++}`;
            const outcome = await send(socket, sessionId, clientMessageId);
            outcomes.set(clientMessageId, outcome);
            if (outcome !== 'acked') return;
            if (++acknowledged === acksBeforeSigterm) {
              sigtermAt = Date.now();
              server.child.kill('SIGTERM');
            }
          }
        });
      }),
    );

    expect(await server.exited).toBe(0);
    expect(Date.now() - sigtermAt).toBeLessThan(SHUTDOWN_BOUND_MS);
    // "transport close" is the reason socket.io-client reconnects on by itself.
    expect(await Promise.all(disconnects)).toEqual(
      Array(visitors).fill('transport close'),
    );
    expect(server.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);
    // A send that was not acknowledged was refused as UNAVAILABLE or never read: the client retries it.
    for (const outcome of outcomes.values())
      expect(['acked', 'UNAVAILABLE', 'unanswered']).toContain(outcome);

    const restarted = await startApp(db.env);
    try {
      for (const { sessionId } of sessions) {
        const { body } = await request(restarted.url)
          .get(`/api/chat/messages/${sessionId}?limit=200`)
          .expect(200);
        const stored = (body.messages as MessageView[]).map(
          (message) => message.clientMessageId,
        );
        expect(new Set(stored).size).toBe(stored.length);
        const acked = [...outcomes]
          .filter(
            ([id, outcome]) =>
              outcome === 'acked' && id.startsWith(`${sessionId}:`),
          )
          .map(([id]) => id);
        expect(stored).toEqual(expect.arrayContaining(acked));
      }
    } finally {
      await restarted.close();
    }
  });

  // Holding the database connection keeps sends in flight for as long as the test needs: that takes a
  // database server behind a proxy, so this case runs with TEST_DATABASE_URL (CI's PostgreSQL run).
  (process.env.TEST_DATABASE_URL ? it : it.skip)(
    'while sends wait on the database: refuses new connections, finishes and acknowledges those sends, then exits',
    async () => {
      const { proxy, url: databaseUrl } = await proxyInFrontOf(
        db.env.DATABASE_URL!,
        5432,
      );
      try {
        app = await startAppProcess({ ...db.env, DATABASE_URL: databaseUrl });
        const server = app;
        const { socket, sessionId } = await openSession(server.url);
        const disconnect = disconnectReason(socket);

        proxy.pause();
        const sends = ['a', 'b', 'c'].map((id) => send(socket, sessionId, id));
        await sleep(300);
        server.child.kill('SIGTERM');
        await sleep(300);
        await expect(connect(server.url)).rejects.toThrow();
        expect(server.child.exitCode).toBeNull();

        await proxy.restore();
        expect(await Promise.all(sends)).toEqual(['acked', 'acked', 'acked']);
        expect(await server.exited).toBe(0);
        expect(await disconnect).toBe('transport close');

        const client = new Client({ connectionString: db.env.DATABASE_URL });
        await client.connect();
        try {
          const { rows } = await client.query<{ client_message_id: string }>(
            'SELECT client_message_id FROM messages WHERE session_id = $1 ORDER BY id',
            [sessionId],
          );
          expect(rows.map((row) => row.client_message_id)).toEqual([
            'a',
            'b',
            'c',
          ]);
        } finally {
          await client.end();
        }
      } finally {
        await proxy.close();
      }
    },
  );
});
