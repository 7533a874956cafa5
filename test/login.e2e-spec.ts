import { randomBytes, randomUUID, scrypt } from 'node:crypto';
import { Agent } from 'node:http';
import { Logger } from '@nestjs/common';
import { promisify } from 'node:util';
import request from 'supertest';
import { AdminAccountsService } from '../src/auth/admin-accounts.service';
import { PrismaService } from '../src/prisma/prisma.service';
import { adminEnv, connectAdmin, login } from './utils/admin';
import { closeAll } from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

/** How versions before argon2id stored a password: scrypt at Node's defaults, `scrypt$<salt>$<key>`. */
async function legacyScryptHash(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = (await promisify(scrypt)(password, salt, 64)) as Buffer;
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** LOGIN_MAX_ATTEMPTS here; the window is the default 15 minutes, so nothing refills during a test. */
const BUDGET = 3;

const OWASP_ARGON2ID = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[^$]+\$[^$]+$/;

describe('Signing in', () => {
  let db: TestDatabase;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp({
      ...db.env,
      ...adminEnv,
      LOGIN_MAX_ATTEMPTS: String(BUDGET),
    });
  });

  afterEach(() => {
    closeAll();
    jest.restoreAllMocks();
    for (const agent of httpAgents.splice(0)) agent.destroy();
  });

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const api = () => request(server.url);
  const httpAgents: Agent[] = [];
  let nextSubnet = 1;

  /** Loopback addresses of their own (127.0.<n>.x) for one test: the server sees each as a client. */
  function addresses(): (host: number) => string {
    const subnet = nextSubnet++;
    return (host) => `127.0.${subnet}.${host}`;
  }

  /** POST /api/auth/login from a given source address; resolves to the status. */
  async function loginFrom(
    address: string,
    email: string,
    password: string,
  ): Promise<number> {
    const agent = new Agent({ localAddress: address });
    httpAgents.push(agent);
    const response = await api()
      .post('/api/auth/login')
      .agent(agent)
      .send({ email, password });
    return response.status;
  }

  function tally(statuses: number[]): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }

  function logged(spy: jest.SpyInstance): string[] {
    return spy.mock.calls.map(([message]) => String(message));
  }

  async function newAgent() {
    const email = `agent-${randomUUID().slice(0, 8)}@example.com`;
    const { admin, password } = await server.app
      .get(AdminAccountsService)
      .create({ email, name: 'Agent', role: 'agent' });
    return { id: admin.id, email, password };
  }

  async function storedHash(id: string): Promise<string> {
    const row = await server.app
      .get(PrismaService)
      .admin.findUniqueOrThrow({ where: { id } });
    return row.passwordHash;
  }

  describe('password hashes', () => {
    it('stores new passwords as argon2id at OWASP settings, in a self-describing PHC string', async () => {
      const agent = await newAgent();
      expect(await storedHash(agent.id)).toMatch(OWASP_ARGON2ID);
    });

    it('signs in an account whose hash an earlier version stored with scrypt, and upgrades it to argon2id', async () => {
      const agent = await newAgent();
      await server.app.get(PrismaService).admin.update({
        where: { id: agent.id },
        data: { passwordHash: await legacyScryptHash(agent.password) },
      });
      await api()
        .post('/api/auth/login')
        .send({ email: agent.email, password: 'not the password' })
        .expect(401);
      expect(await storedHash(agent.id)).toMatch(/^scrypt\$/);

      await login(server, agent.email, agent.password);
      const upgraded = await storedHash(agent.id);
      expect(upgraded).toMatch(OWASP_ARGON2ID);

      await login(server, agent.email, agent.password);
      expect(await storedHash(agent.id)).toBe(upgraded);
      await api()
        .post('/api/auth/login')
        .send({ email: agent.email, password: 'not the password' })
        .expect(401);
    });
  });
  describe('budgets of failed logins', () => {
    it('never verifies more guesses than the budget, however many arrive at once', async () => {
      const agent = await newAgent();
      const from = addresses();
      const statuses = await Promise.all(
        Array.from({ length: 30 }, () =>
          loginFrom(from(1), agent.email, 'a wrong guess'),
        ),
      );
      // Every 401 is a password that was verified; the rest were refused before hashing.
      expect(tally(statuses)).toEqual({ 401: BUDGET, 429: 30 - BUDGET });
      expect(await loginFrom(from(1), agent.email, agent.password)).toBe(429);
    });

    it('never verifies more guesses than the budget when they keep coming as answers arrive', async () => {
      const agent = await newAgent();
      const from = addresses();
      // Eight clients, each sending its next guess as soon as the previous one is answered.
      const clients = Array.from({ length: 8 }, async () => {
        const statuses: number[] = [];
        do statuses.push(await loginFrom(from(1), agent.email, 'a guess'));
        while (statuses.length < 5);
        return statuses;
      });
      const statuses = (await Promise.all(clients)).flat();
      expect(tally(statuses)).toEqual({ 401: BUDGET, 429: 40 - BUDGET });
    });

    it('locks the guessing address out, not the owner signing in from elsewhere, and logs both without the password', async () => {
      const info = jest.spyOn(Logger.prototype, 'log');
      const warn = jest.spyOn(Logger.prototype, 'warn');
      const agent = await newAgent();
      const from = addresses();
      const guesses = [];
      for (let i = 0; i <= BUDGET; i++)
        guesses.push(
          await loginFrom(from(66), agent.email, `hunter-guess-${i}`),
        );
      expect(guesses).toEqual([...Array<number>(BUDGET).fill(401), 429]);

      expect(await loginFrom(from(1), agent.email, agent.password)).toBe(200);

      const failures = logged(info).filter((m) => m.includes('Failed login'));
      expect(failures).toHaveLength(BUDGET);
      const lockouts = logged(warn).filter((m) => m.includes('Login locked'));
      expect(lockouts).toHaveLength(1);
      for (const line of [...failures, ...lockouts]) {
        expect(line).toContain(from(66));
        expect(line).toContain('at example.com');
        expect(line).not.toContain(agent.email);
        expect(line).not.toContain('hunter-guess');
      }
      expect(lockouts[0]).toContain('for this account from this address');
    });

    it('bounds guesses spread over many addresses, and still lets the owner in from where they signed in before', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      const agent = await newAgent();
      const from = addresses();
      expect(await loginFrom(from(1), agent.email, agent.password)).toBe(200);

      // Ten attacking addresses, each within its own budget, spend the account's shared one (10 × BUDGET).
      const statuses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => i + 100).flatMap((host) =>
          Array.from({ length: BUDGET }, () =>
            loginFrom(from(host), agent.email, 'a wrong guess'),
          ),
        ),
      );
      expect(tally(statuses)).toEqual({ 401: 10 * BUDGET });
      expect(await loginFrom(from(200), agent.email, 'another guess')).toBe(
        429,
      );
      expect(await loginFrom(from(2), agent.email, agent.password)).toBe(429);

      expect(await loginFrom(from(1), agent.email, agent.password)).toBe(200);
      expect(
        logged(warn).filter((m) =>
          m.includes('for this account from every address'),
        ),
      ).toHaveLength(1);
    });

    it('costs nothing when the password is right', async () => {
      const agent = await newAgent();
      const from = addresses();
      for (let i = 0; i < 3 * BUDGET; i++)
        expect(await loginFrom(from(1), agent.email, agent.password)).toBe(200);
      const statuses = await Promise.all(
        Array.from({ length: 2 * BUDGET }, () =>
          loginFrom(from(1), agent.email, 'a wrong guess'),
        ),
      );
      expect(tally(statuses)).toEqual({ 401: BUDGET, 429: BUDGET });
    });
  });
  describe('tokens', () => {
    const me = (token: string) =>
      api().get('/api/auth/me').set('Authorization', `Bearer ${token}`);

    it('marks the login and /api/auth/me answers Cache-Control: no-store', async () => {
      const agent = await newAgent();
      const signedIn = await api()
        .post('/api/auth/login')
        .send({ email: agent.email, password: agent.password })
        .expect(200);
      expect(signedIn.headers['cache-control']).toBe('no-store');
      const read = await me(signedIn.body.accessToken).expect(200);
      expect(read.headers['cache-control']).toBe('no-store');
    });

    it('signs an agent out everywhere: every token issued so far refused, sockets closed, other agents untouched', async () => {
      const agent = await newAgent();
      const colleague = await newAgent();
      const laptop = await login(server, agent.email, agent.password);
      const phone = await login(server, agent.email, agent.password);
      const other = await login(server, colleague.email, colleague.password);
      const socket = await connectAdmin(server, laptop.accessToken);
      const closed = new Promise<string>((resolve) =>
        socket.once('disconnect', resolve),
      );

      await api()
        .post('/api/auth/logout')
        .set('Authorization', `Bearer ${phone.accessToken}`)
        .expect(204);

      expect(await closed).toBe('io server disconnect');
      await me(laptop.accessToken).expect(401);
      await me(phone.accessToken).expect(401);
      await expect(connectAdmin(server, laptop.accessToken)).rejects.toThrow(
        'UNAUTHORIZED',
      );
      await api()
        .post('/api/auth/logout')
        .set('Authorization', `Bearer ${phone.accessToken}`)
        .expect(401);
      await me(other.accessToken).expect(200);

      const again = await login(server, agent.email, agent.password);
      await me(again.accessToken).expect(200);
    });

    it('documents POST /api/auth/logout in OpenAPI', async () => {
      const docs = await api().get('/api/docs-json').expect(200);
      expect(docs.body.paths['/api/auth/logout']?.post).toMatchObject({
        security: [{ bearer: [] }],
        responses: { 204: expect.anything(), 401: expect.anything() },
      });
    });
  });
});
