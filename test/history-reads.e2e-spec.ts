import request from 'supertest';
import { AdminEvent } from '../src/realtime/admin.events';
import { WidgetEvent } from '../src/realtime/widget.events';
import { adminEnv, connectAdmin } from './utils/admin';
import { ack, ackOk, closeAll, refusal } from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';
import { newVisitor } from './utils/visitor';

const READS_PER_MINUTE = 5;

describe('History reads', () => {
  let db: TestDatabase;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp({
      ...db.env,
      ...adminEnv,
      // The test client is the proxy: each visitor below comes from an address of its own.
      TRUST_PROXY: '1',
      HISTORY_READS_PER_MINUTE_PER_IP: String(READS_PER_MINUTE),
      HISTORY_READS_PER_MINUTE_PER_AGENT: String(READS_PER_MINUTE),
    });
  });

  afterEach(() => closeAll());

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const readOverRest = (sessionId: string, address?: string) => {
    const read = request(server.url).get(`/api/chat/messages/${sessionId}`);
    return address ? read.set('X-Forwarded-For', address) : read;
  };

  it('limits GET /api/chat/messages per address with RATE_LIMITED and Retry-After, and never lets it be cached', async () => {
    const address = '198.51.100.10';
    const { sessionId } = await newVisitor(server, address);
    for (let i = 0; i < READS_PER_MINUTE; i++) {
      const read = await readOverRest(sessionId, address).expect(200);
      expect(read.headers['cache-control']).toBe('no-store');
    }

    const refused = await readOverRest(sessionId, address);

    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      statusCode: 429,
      code: 'RATE_LIMITED',
      details: { retryAfterMs: expect.any(Number) },
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await readOverRest(sessionId, '198.51.100.11').expect(200);
  });

  it("shares one address's budget between REST reads and the widget's sync", async () => {
    const address = '198.51.100.12';
    const { socket, sessionId } = await newVisitor(server, address);
    for (let i = 0; i < READS_PER_MINUTE - 1; i++) {
      await readOverRest(sessionId, address).expect(200);
    }
    await ackOk(socket, WidgetEvent.Sync, { sessionId });

    const refused = refusal(await ack(socket, WidgetEvent.Sync, { sessionId }));

    expect(refused).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterMs: expect.any(Number) },
    });
  });

  it("limits an agent's get-messages per account, apart from the visitors at the agent's address", async () => {
    const { sessionId } = await newVisitor(server, '198.51.100.13');
    const agent = await connectAdmin(server);
    for (let i = 0; i < READS_PER_MINUTE; i++) {
      await ackOk(agent, AdminEvent.GetMessages, { sessionId });
    }

    const refused = refusal(
      await ack(agent, AdminEvent.GetMessages, { sessionId }),
    );

    expect(refused).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterMs: expect.any(Number) },
    });
    await readOverRest(sessionId).expect(200);
  });
});
