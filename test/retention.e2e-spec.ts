import request from 'supertest';
import { CLOCK, type Clock } from '../src/common/clock';
import { PrismaService } from '../src/prisma/prisma.service';
import {
  RETENTION_SCHEDULE,
  type RetentionSchedule,
  SessionRetentionService,
} from '../src/sessions/session-retention.service';
import { adminEnv, login } from './utils/admin';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

const RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The server's clock, moved forward by the test instead of waiting days. */
const clock: Clock & { offsetMs: number } = {
  offsetMs: 0,
  now: () => Date.now() + clock.offsetMs,
};

const schedule: RetentionSchedule = {
  intervalMs: 50,
  backlogIntervalMs: 10,
  batchSize: 2,
};

describe('Retention of resolved conversations', () => {
  let db: TestDatabase;
  let server: TestApp;
  let adminAuth: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp(
      { ...db.env, ...adminEnv, RETENTION_DAYS: String(RETENTION_DAYS) },
      {
        override: (builder) =>
          builder
            .overrideProvider(CLOCK)
            .useValue(clock)
            .overrideProvider(RETENTION_SCHEDULE)
            .useValue(schedule),
      },
    );
    adminAuth = `Bearer ${(await login(server)).accessToken}`;
  });

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const api = () => request(server.url);

  /** Resolves with the retention job's runs from now on, once `done` says enough; fails after the timeout. */
  function runsUntil(
    done: (erased: string[], runs: string[][]) => boolean,
    timeoutMs = 10_000,
  ): Promise<{ erased: string[]; runs: string[][] }> {
    const retention = server.app.get(SessionRetentionService);
    const runs: string[][] = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.unsubscribe();
        reject(new Error(`retention runs so far: ${JSON.stringify(runs)}`));
      }, timeoutMs);
      const subscription = retention.runs$.subscribe((run) => {
        runs.push(run);
        const erased = runs.flat();
        if (!done(erased, runs)) return;
        clearTimeout(timer);
        subscription.unsubscribe();
        resolve({ erased, runs });
      });
    });
  }

  async function newSession(content: string): Promise<string> {
    const created = await api().post('/api/chat/session').send({}).expect(201);
    const sessionId: string = created.body.sessionId;
    await api()
      .post('/api/chat/message')
      .send({ sessionId, content, sender: 'user' })
      .expect(201);
    return sessionId;
  }

  async function resolve(sessionId: string): Promise<void> {
    await api()
      .patch(`/api/admin/sessions/${sessionId}`)
      .set('Authorization', adminAuth)
      .send({ status: 'resolved' })
      .expect(200);
  }

  it('erases resolved conversations RETENTION_DAYS after their last change, a bounded batch per run, and keeps open ones', async () => {
    const prisma = server.app.get(PrismaService);
    const resolved: string[] = [];
    for (let i = 0; i < 5; i++) {
      const sessionId = await newSession(`Resolved conversation ${i}`);
      await resolve(sessionId);
      resolved.push(sessionId);
    }
    const open = await newSession('Still open');

    clock.offsetMs = (RETENTION_DAYS - 1) * DAY_MS;
    const early = await runsUntil((_, runs) => runs.length >= 2);
    expect(early.erased).toEqual([]);

    clock.offsetMs = RETENTION_DAYS * DAY_MS + 60_000;
    const { erased, runs } = await runsUntil((ids) =>
      resolved.every((id) => ids.includes(id)),
    );

    expect(runs.every((run) => run.length <= schedule.batchSize)).toBe(true);
    expect(erased).not.toContain(open);
    expect(
      await prisma.chatSession.count({ where: { id: { in: resolved } } }),
    ).toBe(0);
    expect(
      await prisma.message.count({ where: { sessionId: { in: resolved } } }),
    ).toBe(0);
    await api().get(`/api/chat/messages/${resolved[0]}`).expect(404);
    expect(
      await prisma.chatSession.findUnique({ where: { id: open } }),
    ).toMatchObject({ status: 'open' });
  });
});
