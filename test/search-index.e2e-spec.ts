import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { AdminEvent } from '../src/realtime/admin.events';
import { WidgetEvent } from '../src/realtime/widget.events';
import {
  SEARCH_SESSIONS,
  searchSessionsParams,
} from '../src/sessions/sessions.repository';
import { adminEnv, connectAdmin, login } from './utils/admin';
import { ack, ackOk, closeAll, refusal } from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';
import { newVisitor } from './utils/visitor';

describe("Agents' search", () => {
  let db: TestDatabase;
  let server: TestApp;
  let adminAuth: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp({ ...db.env, ...adminEnv });
    adminAuth = `Bearer ${(await login(server)).accessToken}`;
  });

  afterEach(() => closeAll());

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const search = (q: string) =>
    request(server.url)
      .get('/api/admin/sessions')
      .query({ q })
      .set('Authorization', adminAuth);

  it('reads the trigram index for the text instead of every message, and finds the session', async () => {
    const prisma = server.app.get(PrismaService);
    const needle = `zq${randomUUID().slice(0, 6)}vx`;
    const { socket, sessionId } = await newVisitor(server);
    await ackOk(socket, WidgetEvent.UserMessage, {
      sessionId,
      content: `Where is parcel ${needle}?`,
    });
    // A realistic haystack: the planner reads an index only when a table is worth it.
    await prisma.sql(
      `INSERT INTO chat_sessions (id, ai_enabled)
       SELECT gen_random_uuid(), false FROM generate_series(1, 500)`,
      [],
    );
    await prisma.sql(
      `INSERT INTO messages (session_id, sender, content)
       SELECT s.id, 'user', 'Hello, my order ' || md5(s.id::text || g::text) || ' has not arrived yet'
       FROM chat_sessions AS s, generate_series(1, 20) AS g
       WHERE s.id <> $1::uuid`,
      [sessionId],
    );
    await prisma.sql('VACUUM ANALYZE messages', []);
    await prisma.sql('VACUUM ANALYZE chat_sessions', []);

    const plan = await prisma.sql<{ 'QUERY PLAN': string }>(
      `EXPLAIN ${SEARCH_SESSIONS}`,
      searchSessionsParams({ text: needle, limit: 50 }),
    );

    const planText = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(planText).toContain('messages_content_trgm_idx');
    expect(planText).not.toMatch(/Seq Scan on messages/);
    const found = await search(needle.toUpperCase()).expect(200);
    expect(
      found.body.sessions.map((s: { sessionId: string }) => s.sessionId),
    ).toEqual([sessionId]);
  });

  it('refuses text the index cannot narrow down, on both transports', async () => {
    const short = await search('ab');
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('3 letters or digits'),
    });
    const agent = await connectAdmin(server);
    expect(
      refusal(await ack(agent, AdminEvent.GetAllSessions, { q: '%_%_%' })),
    ).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
