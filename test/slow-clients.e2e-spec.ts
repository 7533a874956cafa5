import { connect as connectTcp, type Socket as TcpSocket } from 'node:net';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../src/app.setup';
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

/** A first start compiles the embedded database's WebAssembly: slow on a loaded machine. */
const START_TIMEOUT_MS = 60_000;

describe('Slow HTTP clients', () => {
  let db: Promise<TestDatabase> | undefined;
  let started: Promise<TestApp> | undefined;
  let server: TestApp;
  const opened: TcpSocket[] = [];

  beforeAll(async () => {
    db = createTestDatabase();
    const { env } = await db;
    started = startApp(env);
    server = await started;
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    for (const socket of opened) socket.destroy();
    await (await started?.catch(() => undefined))?.close();
    await (await db?.catch(() => undefined))?.drop();
  }, START_TIMEOUT_MS);

  it(
    'answers 408 and closes a connection that trickles its headers in',
    async () => {
      const { port } = new URL(server.url);
      const slow = connectTcp(Number(port), '127.0.0.1');
      opened.push(slow);
      const received = untilClosed(slow);
      const startedAt = Date.now();
      slow.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      expect(await received).toMatch(/^HTTP\/1\.1 408 /);
      expect(Date.now() - startedAt).toBeLessThan(
        HEADERS_TIMEOUT_MS + SLACK_MS,
      );
    },
    HEADERS_TIMEOUT_MS + SLACK_MS + 5000,
  );

  it('holds a request to 10 s for its headers and 30 s in all', () => {
    const http = server.app.getHttpServer();
    expect([http.headersTimeout, http.requestTimeout]).toEqual([
      HEADERS_TIMEOUT_MS,
      REQUEST_TIMEOUT_MS,
    ]);
    expect([HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS]).toEqual([10_000, 30_000]);
  });
});
