import { Logger } from '@nestjs/common';
import request from 'supertest';
import type { RawEnvironment } from '../src/config/settings';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

// Each test starts the app two or three times in a row; on a loaded machine one start can take 20 s.
jest.setTimeout(120_000);

describe('The first admin', () => {
  let db: TestDatabase;
  const running = new Set<TestApp>();

  /** Starts the app; one a failed test leaves running is closed after it. */
  async function start(env: RawEnvironment): Promise<TestApp> {
    const app = await startApp(env);
    running.add(app);
    return app;
  }

  async function stop(app: TestApp): Promise<void> {
    running.delete(app);
    await app.close();
  }

  beforeEach(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    for (const app of running) await stop(app);
    await db.drop();
  });

  function announcements(warn: jest.SpyInstance): string[] {
    return warn.mock.calls
      .map(([message]) => String(message))
      .filter((m) => m.includes('first admin'));
  }

  it('is created with a random password printed once, and never again', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const first = await start(db.env);
    const [announcement] = announcements(warn);
    const [, email, password] =
      /Sign in as (\S+) with password (\S+) /.exec(announcement ?? '') ?? [];
    expect(email).toBe('admin@localhost');
    await request(first.url)
      .post('/api/auth/login')
      .send({ email, password })
      .expect(200);
    await stop(first);

    warn.mockClear();
    const second = await start(db.env);
    expect(announcements(warn)).toEqual([]);
    await request(second.url)
      .post('/api/auth/login')
      .send({ email, password })
      .expect(200);
    await stop(second);
  });

  it('is created, or updated, from ADMIN_EMAIL and ADMIN_PASSWORD without printing anything', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const env = {
      ...db.env,
      ADMIN_EMAIL: 'Owner@Example.com',
      ADMIN_PASSWORD: 'first-password',
    };
    const first = await start(env);
    await request(first.url)
      .post('/api/auth/login')
      .send({ email: 'owner@example.com', password: 'first-password' })
      .expect(200);
    await stop(first);
    const second = await start({
      ...env,
      ADMIN_PASSWORD: 'second-password',
    });
    await request(second.url)
      .post('/api/auth/login')
      .send({ email: 'owner@example.com', password: 'first-password' })
      .expect(401);
    await request(second.url)
      .post('/api/auth/login')
      .send({ email: 'owner@example.com', password: 'second-password' })
      .expect(200);
    await stop(second);
    expect(announcements(warn)).toEqual([]);
  });

  it('keeps its tokens across a restart with the same ADMIN_PASSWORD, and refuses them once ADMIN_PASSWORD changes', async () => {
    const env = {
      ...db.env,
      ADMIN_EMAIL: 'owner@example.com',
      ADMIN_PASSWORD: 'first-password',
    };
    const me = (url: string, token: string) =>
      request(url).get('/api/auth/me').set('Authorization', `Bearer ${token}`);
    const first = await start(env);
    const { body } = await request(first.url)
      .post('/api/auth/login')
      .send({ email: 'owner@example.com', password: 'first-password' })
      .expect(200);
    const token = body.accessToken as string;
    await stop(first);

    const same = await start(env);
    await me(same.url, token).expect(200);
    await stop(same);

    const changed = await start({
      ...env,
      ADMIN_PASSWORD: 'second-password',
    });
    await me(changed.url, token).expect(401);
    const renewed = await request(changed.url)
      .post('/api/auth/login')
      .send({ email: 'owner@example.com', password: 'second-password' })
      .expect(200);
    await me(changed.url, renewed.body.accessToken).expect(200);
    await stop(changed);
  });
});
