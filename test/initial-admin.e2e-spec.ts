import { Logger } from '@nestjs/common';
import request from 'supertest';
import { startApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

describe('The first admin', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await db.drop();
  });

  function announcements(warn: jest.SpyInstance): string[] {
    return warn.mock.calls
      .map(([message]) => String(message))
      .filter((m) => m.includes('first admin'));
  }

  it('is created with a random password printed once, and never again', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const first = await startApp(db.env);
    const [announcement] = announcements(warn);
    const [, email, password] =
      /Sign in as (\S+) with password (\S+) /.exec(announcement ?? '') ?? [];
    expect(email).toBe('admin@localhost');
    await request(first.url)
      .post('/api/auth/login')
      .send({ email, password })
      .expect(200);
    await first.close();

    warn.mockClear();
    const second = await startApp(db.env);
    expect(announcements(warn)).toEqual([]);
    await request(second.url)
      .post('/api/auth/login')
      .send({ email, password })
      .expect(200);
    await second.close();
  });

  it('is created, or updated, from ADMIN_EMAIL and ADMIN_PASSWORD without printing anything', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const env = {
      ...db.env,
      ADMIN_EMAIL: 'Owner@Example.com',
      ADMIN_PASSWORD: 'first-password',
    };
    const first = await startApp(env);
    await request(first.url)
      .post('/api/auth/login')
      .send({ email: 'owner@example.com', password: 'first-password' })
      .expect(200);
    await first.close();
    const second = await startApp({
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
    await second.close();
    expect(announcements(warn)).toEqual([]);
  });
});
