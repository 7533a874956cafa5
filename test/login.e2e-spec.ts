import { randomBytes, randomUUID, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import request from 'supertest';
import { AdminAccountsService } from '../src/auth/admin-accounts.service';
import { PrismaService } from '../src/prisma/prisma.service';
import { adminEnv, login } from './utils/admin';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

/** How versions before argon2id stored a password: scrypt at Node's defaults, `scrypt$<salt>$<key>`. */
async function legacyScryptHash(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = (await promisify(scrypt)(password, salt, 64)) as Buffer;
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

const OWASP_ARGON2ID = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[^$]+\$[^$]+$/;

describe('Signing in', () => {
  let db: TestDatabase;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp({ ...db.env, ...adminEnv });
  });

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const api = () => request(server.url);

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
});
