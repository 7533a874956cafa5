import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { AdminServerEvent } from '../src/realtime/admin.events';
import { WidgetEvent } from '../src/realtime/widget.events';
import { FakeAiProvider } from './fakes/fake-ai-provider';
import {
  type AppProcess,
  freePort,
  spawnEntry,
  startAppProcess,
} from './utils/app-process';
import { stopGracefully, waitForLine } from './utils/logs';
import {
  ackOk,
  closeAll,
  connect,
  nextEvent,
  type TestSocket,
} from './utils/sockets';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

/** A value nobody could log by accident: each test run makes its own. */
const secret = (name: string) => `${name}-${randomBytes(12).toString('hex')}`;

const ADMIN_EMAIL = 'ops@example.com';
/** Building and starting the app as its own process, on a loaded machine. */
const START_TIMEOUT_MS = 90_000;

/** How each secret may appear in output: as is, URL-encoded, JSON-escaped. */
function writtenForms(value: string): string[] {
  return [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
}

describe.each(['json', 'pretty'] as const)(
  'Secrets never reach the logs (%s format)',
  (format) => {
    const secrets = {
      JWT_SECRET: secret('jwt-secret-with-enough-length'),
      ADMIN_PASSWORD: secret('Admin password'),
      AI_API_KEY: secret('sk-rejected'),
      METRICS_TOKEN: secret('metrics-token-with-enough-length'),
      REDIS_PASSWORD: secret('redis-pw'),
      DATABASE_PASSWORD: secret('db-pw'),
      wrongPassword: secret('Wrong password typed'),
      wrongMetricsToken: secret('wrong-metrics-token'),
      garbageBearer: secret('garbage-bearer'),
      accessToken: '',
    };
    let dataDir: string;
    let db: TestDatabase | undefined;
    let fake: FakeAiProvider;
    let server: AppProcess;

    beforeAll(async () => {
      fake = await FakeAiProvider.start();
      fake.rejectKey(secrets.AI_API_KEY);
      dataDir = mkdtempSync(join(tmpdir(), 'chat-test-'));
      let databaseEnv: Record<string, string> = { DATA_DIR: dataDir };
      if (process.env.TEST_DATABASE_URL) {
        // The local server trusts its connections, so a password in the URL is sent, ignored, and must not show.
        db = await createTestDatabase();
        const url = new URL(db.env.DATABASE_URL!);
        url.password = secrets.DATABASE_PASSWORD;
        databaseEnv = { ...db.env, DATABASE_URL: url.toString() } as Record<
          string,
          string
        >;
      }
      server = await startAppProcess({
        NODE_ENV: 'production',
        LOG_FORMAT: format,
        LOG_LEVEL: 'verbose',
        ...databaseEnv,
        JWT_SECRET: secrets.JWT_SECRET,
        ADMIN_EMAIL,
        ADMIN_PASSWORD: secrets.ADMIN_PASSWORD,
        AI_API_KEYS: secrets.AI_API_KEY,
        AI_BASE_URL: fake.url,
        AI_MAX_RETRIES: '0',
        METRICS_ENABLED: 'true',
        METRICS_TOKEN: secrets.METRICS_TOKEN,
        // Nothing listens there: Redis stays unreachable, and that is logged.
        REDIS_URL: `redis://default:${secrets.REDIS_PASSWORD}@127.0.0.1:${await freePort()}/0`,
      });
    }, START_TIMEOUT_MS);

    afterAll(async () => {
      closeAll();
      await server?.dispose();
      await fake?.close();
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('a failed login logs the attempt, never the password', async () => {
      await request(server.url)
        .post('/api/auth/login')
        .send({ email: ADMIN_EMAIL, password: secrets.wrongPassword })
        .expect(401);
      await waitForLine(server, (line) => line.includes('Failed login'));
      const login = await request(server.url)
        .post('/api/auth/login')
        .send({ email: ADMIN_EMAIL, password: secrets.ADMIN_PASSWORD })
        .expect(200);
      secrets.accessToken = (login.body as { accessToken: string }).accessToken;
    });

    it('requests refused with an Authorization header are logged without it', async () => {
      await request(server.url)
        .get('/api/admin/sessions')
        .set('Authorization', `Bearer ${secrets.garbageBearer}`)
        .expect(401);
      await request(server.url)
        .get('/metrics')
        .set('Authorization', `Bearer ${secrets.wrongMetricsToken}`)
        .expect(401);
      await request(server.url)
        .get('/api/admin/sessions/not-a-session')
        .set('Authorization', `Bearer ${secrets.accessToken}`)
        .expect((response) => expect(response.status).toBeGreaterThan(399));
      await request(server.url)
        .get('/metrics')
        .set('Authorization', `Bearer ${secrets.METRICS_TOKEN}`)
        .expect(200);
      await expect(
        connect(server.url, {
          namespace: '/admin',
          auth: { token: secrets.garbageBearer },
        }),
      ).rejects.toThrow();
      await waitForLine(server, (line) =>
        line.includes('GET /api/admin/sessions/not-a-session'),
      );
    });

    it('an AI key the provider rejects is logged as a rejection, never as the key', async () => {
      const admin = await connect(server.url, {
        namespace: '/admin',
        auth: { token: secrets.accessToken },
      });
      const widget: TestSocket = await connect(server.url, {
        extraHeaders: { Authorization: `Bearer ${secrets.garbageBearer}` },
      });
      const { sessionId } = await ackOk(widget, WidgetEvent.InitSession, {});
      const handoff = nextEvent(
        admin,
        AdminServerEvent.HandoffRequested,
        (payload) => payload.sessionId === sessionId,
      );
      await ackOk(widget, WidgetEvent.UserMessage, {
        sessionId,
        content: 'Hello?',
        clientMessageId: 'secrets-1',
      });
      await handoff;
      await waitForLine(server, (line) =>
        line.includes('AI provider attempt 1/1 failed: HTTP 401'),
      );
      // The fake provider answered with the key in its error body, as OpenAI does.
      expect(
        fake.requests.some((sent) => sent.apiKey === secrets.AI_API_KEY),
      ).toBe(true);
    });

    it('after all that and a shutdown, no secret appears anywhere in the output', async () => {
      closeAll();
      expect(await stopGracefully(server)).toBe(0);
      const output = server.output();
      expect(output).toContain('Redis is unreachable');
      for (const [name, value] of Object.entries(secrets)) {
        for (const form of writtenForms(value)) {
          if (output.includes(form)) {
            throw new Error(`${name} appears in the output`);
          }
        }
      }
    });
  },
);

describe('Secrets never reach the logs: a database that refuses at start-up', () => {
  it.each(['json', 'pretty'] as const)(
    'names where it was expected, not the password (%s)',
    async (format) => {
      const password = secret('db-password');
      const dataDir = mkdtempSync(join(tmpdir(), 'chat-test-'));
      const app = spawnEntry('main.js', {
        NODE_ENV: 'production',
        LOG_FORMAT: format,
        LOG_LEVEL: 'verbose',
        JWT_SECRET: secret('jwt-secret-with-enough-length'),
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        DATABASE_URL: `postgresql://chat:${password}@127.0.0.1:${await freePort()}/chat`,
      });
      try {
        expect(await app.exited).toBe(1);
        expect(app.output()).toContain('Cannot connect to the database');
        for (const form of writtenForms(password)) {
          expect(app.output()).not.toContain(form);
        }
      } finally {
        await app.dispose();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    START_TIMEOUT_MS,
  );
});
