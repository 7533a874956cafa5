import request from 'supertest';
import { Client } from 'pg';
import { WidgetEvent } from '../src/realtime/widget.events';
import {
  ackOk,
  ackWithin,
  closeAll,
  connect,
  sleep,
  type TestSocket,
} from './utils/sockets';
import { proxyInFrontOf, type TcpProxy } from './utils/tcp-proxy';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

/** The longest an answer may take while the database is unreachable (the answer deadline plus margin). */
const OUTAGE_ANSWER_BOUND_MS = 10000;
const RECOVERY_BOUND_MS = 15000;

// An outage needs a database server to lose: this file runs with TEST_DATABASE_URL (CI's PostgreSQL run).
const describeWithServer = process.env.TEST_DATABASE_URL
  ? describe
  : describe.skip;

describeWithServer('A database outage', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: TestApp;
  let widget: TestSocket;
  let sessionId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const proxied = await proxyInFrontOf(db.env.DATABASE_URL!, 5432);
    proxy = proxied.proxy;
    server = await startApp({ ...db.env, DATABASE_URL: proxied.url });
    widget = await connect(server.url);
    ({ sessionId } = await ackOk(widget, WidgetEvent.InitSession, {}));
  });

  afterEach(async () => {
    await proxy.restore();
  });

  afterAll(async () => {
    closeAll();
    await server?.close();
    await proxy?.close();
    await db?.drop();
  });

  async function send(clientMessageId: string) {
    const started = Date.now();
    const reply = await ackWithin(30000, widget, WidgetEvent.UserMessage, {
      sessionId,
      content: `message ${clientMessageId}`,
      clientMessageId,
    });
    return { reply, elapsedMs: Date.now() - started };
  }

  async function readiness() {
    const started = Date.now();
    const response = await request(server.url).get('/health/ready');
    return { response, elapsedMs: Date.now() - started };
  }

  async function waitUntilSendSucceeds(clientMessageId: string) {
    const deadline = Date.now() + RECOVERY_BOUND_MS;
    for (;;) {
      const { reply } = await send(clientMessageId);
      if (reply.ok) return reply;
      if (Date.now() > deadline)
        throw new Error(`still failing: ${JSON.stringify(reply)}`);
      await sleep(250);
    }
  }

  async function storedClientMessageIds(): Promise<string[]> {
    const client = new Client({ connectionString: db.env.DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ client_message_id: string }>(
        'SELECT client_message_id FROM messages WHERE session_id = $1 ORDER BY id',
        [sessionId],
      );
      return rows.map((row) => row.client_message_id);
    } finally {
      await client.end();
    }
  }

  describe.each(['refuse', 'blackhole'] as const)(
    'where the network %ss connections',
    (mode) => {
      it('answers sends UNAVAILABLE in bounded time, reports not ready, and recovers without a restart', async () => {
        const before = await send(`${mode}-before`);
        expect(before.reply.ok).toBe(true);

        await proxy.cut(mode);
        const during = await Promise.all(
          [1, 2, 3].map((n) => send(`${mode}-during-${n}`)),
        );
        for (const { reply, elapsedMs } of during) {
          expect(reply).toMatchObject({
            ok: false,
            error: { code: 'UNAVAILABLE' },
          });
          expect(elapsedMs).toBeLessThan(OUTAGE_ANSWER_BOUND_MS);
        }
        const notReady = await readiness();
        expect(notReady.response.status).toBe(503);
        expect(notReady.response.body).toMatchObject({
          status: 'error',
          error: { database: { status: 'down' } },
        });
        expect(notReady.elapsedMs).toBeLessThan(OUTAGE_ANSWER_BOUND_MS);

        await proxy.restore();
        const after = await waitUntilSendSucceeds(`${mode}-after`);
        expect(after.message.content).toBe(`message ${mode}-after`);
        expect((await readiness()).response.status).toBe(200);

        // The client retries what was refused, with the same ids: each is stored exactly once.
        for (const n of [1, 2, 3]) {
          const { reply } = await send(`${mode}-during-${n}`);
          expect(reply.ok).toBe(true);
        }
        const stored = await storedClientMessageIds();
        for (const id of [
          `${mode}-before`,
          `${mode}-after`,
          ...[1, 2, 3].map((n) => `${mode}-during-${n}`),
        ])
          expect(stored.filter((stored) => stored === id)).toHaveLength(1);
      });
    },
  );
});
