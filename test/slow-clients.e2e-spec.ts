import { connect as connectTcp, type Socket as TcpSocket } from 'node:net';
import request from 'supertest';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../src/app.setup';
import { CONNECT_TIMEOUT_MS } from '../src/realtime/app-io.adapter';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

/** Slack for a loaded machine on top of a server-side timeout. */
const SLACK_MS = 8000;

/** Everything the server writes to a raw TCP connection until it closes it. */
function untilClosed(socket: TcpSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.once('close', () => resolve(received));
    socket.once('error', reject);
  });
}

describe('Clients that never get going', () => {
  let db: Promise<TestDatabase> | undefined;
  let started: Promise<TestApp> | undefined;
  let server: TestApp;
  const opened: TcpSocket[] = [];

  beforeAll(async () => {
    db = createTestDatabase();
    const { env } = await db;
    started = startApp({ ...env, MAX_CONNECTIONS_PER_IP: '1' });
    server = await started;
  });

  afterAll(async () => {
    for (const socket of opened) socket.destroy();
    await (await started?.catch(() => undefined))?.close();
    await (await db?.catch(() => undefined))?.drop();
  });

  it('answers 408 and closes a connection that trickles its headers in', async () => {
    const { port } = new URL(server.url);
    const slow = connectTcp(Number(port), '127.0.0.1');
    opened.push(slow);
    const received = untilClosed(slow);
    const startedAt = Date.now();
    slow.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    expect(await received).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - startedAt).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
  });

  it('holds a request to 10 s for its headers and 30 s in all', () => {
    const http = server.app.getHttpServer();
    expect([http.headersTimeout, http.requestTimeout]).toEqual([
      HEADERS_TIMEOUT_MS,
      REQUEST_TIMEOUT_MS,
    ]);
    expect([HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS]).toEqual([10_000, 30_000]);
  });

  it('closes an engine connection that joins no namespace within the connect timeout, and frees its place', async () => {
    const handshake = await request(server.url)
      .get('/socket.io/?EIO=4&transport=polling')
      .expect(200);
    const { sid } = JSON.parse(handshake.text.slice(1)) as { sid: string };
    // The address's one place is taken by a connection that has not joined a namespace.
    await request(server.url)
      .get('/socket.io/?EIO=4&transport=polling')
      .expect(403);

    const startedAt = Date.now();
    const poll = await request(server.url)
      .get(`/socket.io/?EIO=4&transport=polling&sid=${sid}`)
      .timeout(CONNECT_TIMEOUT_MS + SLACK_MS);
    // Packet type 1 is engine.io's close.
    expect(poll.text).toBe('1');
    expect(Date.now() - startedAt).toBeLessThan(CONNECT_TIMEOUT_MS + SLACK_MS);
    expect(CONNECT_TIMEOUT_MS).toBeLessThanOrEqual(10_000);

    const next = await request(server.url)
      .get('/socket.io/?EIO=4&transport=polling')
      .expect(200);
    const { sid: nextSid } = JSON.parse(next.text.slice(1)) as {
      sid: string;
    };
    await request(server.url)
      .post(`/socket.io/?EIO=4&transport=polling&sid=${nextSid}`)
      .set('Content-Type', 'text/plain;charset=UTF-8')
      .send('1')
      .expect(200);
  });
});
