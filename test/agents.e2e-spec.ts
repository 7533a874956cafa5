import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AdminAccountsService } from '../src/auth/admin-accounts.service';
import type { AdminActor } from '../src/auth/auth.service';
import { AdminEvent } from '../src/realtime/admin.events';
import { WidgetEvent } from '../src/realtime/widget.events';
import { ADMIN_EMAIL, adminEnv, connectAdmin, login } from './utils/admin';
import { ack, ackOk, closeAll, connect } from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

const AGENT_VIEW_KEYS = [
  'createdAt',
  'disabled',
  'email',
  'id',
  'name',
  'role',
].sort();

interface AgentView {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'agent';
  disabled: boolean;
  createdAt: string;
}

describe('Agent accounts over REST', () => {
  let db: TestDatabase;
  let server: TestApp;
  let adminAuth: string;
  let adminId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp({ ...db.env, ...adminEnv });
    const signedIn = await login(server);
    adminAuth = `Bearer ${signedIn.accessToken}`;
    adminId = signedIn.admin.id;
  });

  afterEach(() => closeAll());

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const api = () => request(server.url);
  const unique = () => randomUUID().slice(0, 8);

  /** Creates an account as the lead admin and signs it in. */
  async function newAccount(
    role: 'agent' | 'admin' = 'agent',
    name = `Agent ${unique()}`,
  ) {
    const email = `${role}-${unique()}@example.com`;
    const password = `pass-${randomUUID()}`;
    const created = await api()
      .post('/api/admin/agents')
      .set('Authorization', adminAuth)
      .send({ email, name, password, role })
      .expect(201);
    const signedIn = await login(server, email, password);
    return {
      agent: created.body as AgentView,
      email,
      password,
      auth: `Bearer ${signedIn.accessToken}`,
      token: signedIn.accessToken,
    };
  }

  async function listAgents(auth = adminAuth): Promise<AgentView[]> {
    return (
      await api()
        .get('/api/admin/agents')
        .set('Authorization', auth)
        .expect(200)
    ).body as AgentView[];
  }

  describe('GET /api/admin/agents', () => {
    it('lists every account by name then email, disabled ones too, without password hashes', async () => {
      const zed = await newAccount('agent', 'Zed');
      const amy = await newAccount('agent', 'Amy');
      const amyToo = await newAccount('admin', 'Amy');
      await api()
        .patch(`/api/admin/agents/${zed.agent.id}`)
        .set('Authorization', adminAuth)
        .send({ disabled: true })
        .expect(200);
      const list = await listAgents(amy.auth);
      expect(list.map((a) => [a.name, a.email])).toEqual(
        [...list]
          .sort(
            (a, b) =>
              a.name.localeCompare(b.name, 'en') ||
              a.email.localeCompare(b.email, 'en'),
          )
          .map((a) => [a.name, a.email]),
      );
      for (const account of list)
        expect(Object.keys(account).sort()).toEqual(AGENT_VIEW_KEYS);
      expect(JSON.stringify(list)).not.toMatch(/argon2|scrypt|passwordHash/);
      expect(list).toEqual(
        expect.arrayContaining([
          { ...zed.agent, disabled: true },
          amy.agent,
          amyToo.agent,
          expect.objectContaining({
            id: adminId,
            email: ADMIN_EMAIL,
            role: 'admin',
          }),
        ]),
      );
      const amys = list.filter((a) => a.name === 'Amy');
      expect(amys.map((a) => a.email)).toEqual(
        [amy.email, amyToo.email].sort(),
      );
    });

    it('is closed to anyone without a valid token', async () => {
      const response = await api().get('/api/admin/agents').expect(401);
      expect(response.body.code).toBe('UNAUTHORIZED');
    });
  });

  describe('POST /api/admin/agents', () => {
    it('creates an agent who can sign in, read the sessions and work on the admin socket', async () => {
      const email = `new-${unique()}@Example.com`;
      const password = 'a long enough passphrase';
      const created = await api()
        .post('/api/admin/agents')
        .set('Authorization', adminAuth)
        .send({ email: ` ${email} `, name: ' Ada ', password })
        .expect(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        email: email.toLowerCase(),
        name: 'Ada',
        role: 'agent',
        disabled: false,
        createdAt: expect.any(String),
      });
      expect(new Date(created.body.createdAt).toISOString()).toBe(
        created.body.createdAt,
      );

      const widget = await connect(server.url);
      const { sessionId } = await ackOk(widget, WidgetEvent.InitSession, {});
      const signedIn = await login(server, email, password);
      expect(signedIn.admin).toEqual({
        id: created.body.id,
        email: email.toLowerCase(),
        name: 'Ada',
        role: 'agent',
      });
      const sessions = await api()
        .get('/api/admin/sessions')
        .set('Authorization', `Bearer ${signedIn.accessToken}`)
        .expect(200);
      expect(
        sessions.body.sessions.map((s: { sessionId: string }) => s.sessionId),
      ).toContain(sessionId);
      const socket = await connectAdmin(server, signedIn.accessToken);
      const reply = await ackOk(socket, AdminEvent.AdminMessage, {
        sessionId,
        content: 'Ada here',
      });
      expect(reply.message).toMatchObject({
        sender: 'admin',
        adminId: created.body.id,
      });
      expect(
        await ack(socket, AdminEvent.AssignSession, {
          sessionId,
          adminId: created.body.id,
        }),
      ).toEqual({ ok: true });
    });

    it('creates an admin when asked, who may then manage agents', async () => {
      const second = await newAccount('admin');
      expect(second.agent.role).toBe('admin');
      const created = await api()
        .post('/api/admin/agents')
        .set('Authorization', second.auth)
        .send({
          email: `by-second-${unique()}@example.com`,
          name: 'Made by the second admin',
          password: 'another good passphrase',
        })
        .expect(201);
      expect(created.body.role).toBe('agent');
    });

    it('answers an email that is already taken, in any case, with 409 CONFLICT', async () => {
      const { email } = await newAccount();
      for (const taken of [email, email.toUpperCase(), ADMIN_EMAIL]) {
        const response = await api()
          .post('/api/admin/agents')
          .set('Authorization', adminAuth)
          .send({ email: taken, name: 'Twin', password: 'twin passphrase 1' })
          .expect(409);
        expect(response.body).toMatchObject({
          statusCode: 409,
          code: 'CONFLICT',
          message: expect.stringContaining('already exists'),
        });
      }
    });

    it('lets exactly one of two simultaneous creations of an email through', async () => {
      const email = `race-${unique()}@example.com`;
      const statuses = await Promise.all(
        [1, 2].map(
          async (n) =>
            (
              await api()
                .post('/api/admin/agents')
                .set('Authorization', adminAuth)
                .send({
                  email,
                  name: `Racer ${n}`,
                  password: 'racing passphrase',
                })
            ).status,
        ),
      );
      expect(statuses.sort((a, b) => a - b)).toEqual([201, 409]);
    });

    const good = {
      email: 'valid@example.com',
      name: 'Valid',
      password: 'valid passphrase',
    };
    it.each<[string, Record<string, unknown>]>([
      ['no body', {}],
      ['no password', { email: good.email, name: good.name }],
      ['a short password', { ...good, password: 'short1!' }],
      ['a repeated password', { ...good, password: 'aaaaaaaaaaaaaaaa' }],
      ['a two-character pattern', { ...good, password: 'abababababababab' }],
      ['the email as password', { ...good, password: 'VALID@example.com' }],
      [
        'a password over 256 characters',
        { ...good, password: 'x1'.repeat(129) },
      ],
      ['a password that is not a string', { ...good, password: 123456789012 }],
      ['a malformed email', { ...good, email: 'not-an-email' }],
      [
        'an email over 254 characters',
        { ...good, email: `${'a'.repeat(250)}@example.com` },
      ],
      ['an empty name', { ...good, name: '   ' }],
      ['a name with control characters', { ...good, name: 'Eve\nadmin' }],
      ['a name over 100 characters', { ...good, name: 'n'.repeat(101) }],
      ['an unknown role', { ...good, role: 'owner' }],
      ['an unknown field', { ...good, disabled: false }],
      ['a password hash smuggled in', { ...good, passwordHash: 'scrypt$x$y' }],
    ])(
      'refuses %s with 400 VALIDATION_FAILED and creates nothing',
      async (_, body) => {
        const response = await api()
          .post('/api/admin/agents')
          .set('Authorization', adminAuth)
          .send(body)
          .expect(400);
        expect(response.body.code).toBe('VALIDATION_FAILED');
        expect((await listAgents()).map((a) => a.email)).not.toContain(
          good.email,
        );
      },
    );
  });

  describe('PATCH /api/admin/agents/:id', () => {
    it('renames, promotes and demotes another account', async () => {
      const { agent, auth } = await newAccount();
      const renamed = await api()
        .patch(`/api/admin/agents/${agent.id}`)
        .set('Authorization', adminAuth)
        .send({ name: '  Grace  ' })
        .expect(200);
      expect(renamed.body).toEqual({ ...agent, name: 'Grace' });
      await api()
        .patch(`/api/admin/agents/${agent.id}`)
        .set('Authorization', adminAuth)
        .send({ role: 'admin' })
        .expect(200);
      // The new role applies to the token already issued.
      await api()
        .get('/api/admin/agents')
        .set('Authorization', auth)
        .expect(200);
      await api()
        .patch(`/api/admin/agents/${agent.id}`)
        .set('Authorization', auth)
        .send({ name: 'Grace Hopper' })
        .expect(200);
      await api()
        .patch(`/api/admin/agents/${agent.id}`)
        .set('Authorization', adminAuth)
        .send({ role: 'agent' })
        .expect(200);
      const forbidden = await api()
        .patch(`/api/admin/agents/${agent.id}`)
        .set('Authorization', auth)
        .send({ name: 'Grace again' })
        .expect(403);
      expect(forbidden.body.code).toBe('FORBIDDEN');
      expect((await listAgents()).find((a) => a.id === agent.id)).toMatchObject(
        { name: 'Grace Hopper', role: 'agent' },
      );
    });

    it('answers an empty patch with the account unchanged', async () => {
      const { agent } = await newAccount();
      const response = await api()
        .patch(`/api/admin/agents/${agent.id}`)
        .set('Authorization', adminAuth)
        .send({})
        .expect(200);
      expect(response.body).toEqual(agent);
    });

    it('answers an unknown id with 404 and a malformed one with 400', async () => {
      const unknown = await api()
        .patch(`/api/admin/agents/${randomUUID()}`)
        .set('Authorization', adminAuth)
        .send({ name: 'Nobody' })
        .expect(404);
      expect(unknown.body.code).toBe('NOT_FOUND');
      const malformed = await api()
        .patch('/api/admin/agents/not-a-uuid')
        .set('Authorization', adminAuth)
        .send({ name: 'Nobody' })
        .expect(400);
      expect(malformed.body.code).toBe('VALIDATION_FAILED');
    });

    it.each<[string, Record<string, unknown>]>([
      ['a null name', { name: null }],
      ['an empty name', { name: '' }],
      ['a null role', { role: null }],
      ['a role that does not exist', { role: 'root' }],
      ['disabled as a string', { disabled: 'yes' }],
      ['a password change (not offered here)', { password: 'new passphrase!' }],
      ['an email change (not offered here)', { email: 'x@example.com' }],
    ])('refuses %s with 400', async (_, body) => {
      const { agent } = await newAccount();
      const response = await api()
        .patch(`/api/admin/agents/${agent.id}`)
        .set('Authorization', adminAuth)
        .send(body)
        .expect(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect((await listAgents()).find((a) => a.id === agent.id)).toEqual(
        agent,
      );
    });

    it('refuses to let an admin disable or demote themselves, with 409 CONFLICT', async () => {
      for (const [id, patch] of [
        [adminId, { disabled: true }],
        [adminId, { role: 'agent' }],
        [adminId, { name: 'Still me', disabled: true }],
        [adminId.toUpperCase(), { disabled: true }],
        [adminId.toUpperCase(), { role: 'agent' }],
      ] as const) {
        const response = await api()
          .patch(`/api/admin/agents/${id}`)
          .set('Authorization', adminAuth)
          .send(patch)
          .expect(409);
        expect(response.body).toMatchObject({
          code: 'CONFLICT',
          message: expect.stringMatching(/your own/),
        });
      }
      const renamed = await api()
        .patch(`/api/admin/agents/${adminId}`)
        .set('Authorization', adminAuth)
        .send({ name: 'Lead', role: 'admin', disabled: false })
        .expect(200);
      expect(renamed.body).toMatchObject({
        name: 'Lead',
        role: 'admin',
        disabled: false,
      });
      const me = await api()
        .get('/api/auth/me')
        .set('Authorization', adminAuth)
        .expect(200);
      expect(me.body).toMatchObject({ id: adminId, role: 'admin' });
    });

    it('signs a disabled agent out at once: token 401, socket closed, reconnection refused; re-enabled, they sign in again and the old token stays refused', async () => {
      const { agent, email, password, auth, token } = await newAccount();
      const socket = await connectAdmin(server, token);
      const closed = new Promise<string>((resolve) =>
        socket.once('disconnect', resolve),
      );
      const disabled = await api()
        .patch(`/api/admin/agents/${agent.id}`)
        .set('Authorization', adminAuth)
        .send({ disabled: true })
        .expect(200);
      expect(disabled.body.disabled).toBe(true);
      expect(await closed).toBe('io server disconnect');
      const rest = await api()
        .get('/api/admin/sessions')
        .set('Authorization', auth)
        .expect(401);
      expect(rest.body.code).toBe('UNAUTHORIZED');
      await api().get('/api/auth/me').set('Authorization', auth).expect(401);
      await expect(connectAdmin(server, token)).rejects.toThrow('UNAUTHORIZED');
      await api().post('/api/auth/login').send({ email, password }).expect(401);

      await api()
        .patch(`/api/admin/agents/${agent.id}`)
        .set('Authorization', adminAuth)
        .send({ disabled: false })
        .expect(200);
      await api().get('/api/auth/me').set('Authorization', auth).expect(401);
      await expect(connectAdmin(server, token)).rejects.toThrow('UNAUTHORIZED');
      const again = await login(server, email, password);
      const back = await connectAdmin(server, again.accessToken);
      expect(await ack(back, AdminEvent.GetSessions)).toMatchObject({
        ok: true,
      });
    });

    it("leaves another agent's sockets open when one agent is disabled", async () => {
      const leaver = await newAccount();
      const stayer = await newAccount();
      const staying = await connectAdmin(server, stayer.token);
      const leaving = await connectAdmin(server, leaver.token);
      const closed = new Promise((resolve) =>
        leaving.once('disconnect', resolve),
      );
      await api()
        .patch(`/api/admin/agents/${leaver.agent.id}`)
        .set('Authorization', adminAuth)
        .send({ disabled: true })
        .expect(200);
      await closed;
      expect(staying.connected).toBe(true);
      expect(await ack(staying, AdminEvent.GetSessions)).toMatchObject({
        ok: true,
      });
    });
  });

  describe('assignment', () => {
    it('assigns conversations to active accounts only', async () => {
      const { agent } = await newAccount();
      const { sessionId } = (
        await api().post('/api/chat/session').send({}).expect(201)
      ).body as { sessionId: string };
      const assign = (assignedAdminId: string) =>
        api()
          .patch(`/api/admin/sessions/${sessionId}`)
          .set('Authorization', adminAuth)
          .send({ assignedAdminId });
      expect((await assign(agent.id)).status).toBe(200);

      await api()
        .patch(`/api/admin/agents/${agent.id}`)
        .set('Authorization', adminAuth)
        .send({ disabled: true })
        .expect(200);
      const refused = await assign(agent.id);
      expect(refused.status).toBe(404);
      expect(refused.body.code).toBe('NOT_FOUND');
      const lead = await connectAdmin(
        server,
        adminAuth.slice('Bearer '.length),
      );
      expect(
        await ack(lead, AdminEvent.AssignSession, {
          sessionId,
          adminId: agent.id,
        }),
      ).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    });
  });

  describe('roles', () => {
    it('keeps creating and changing accounts to the admin role (403 for agents, 401 without a token)', async () => {
      const { agent, auth } = await newAccount();
      const post = await api()
        .post('/api/admin/agents')
        .set('Authorization', auth)
        .send({
          email: `sneaky-${unique()}@example.com`,
          name: 'Sneaky',
          password: 'sneaky passphrase',
          role: 'admin',
        })
        .expect(403);
      expect(post.body.code).toBe('FORBIDDEN');
      for (const patch of [{ role: 'admin' }, { name: 'Boss' }]) {
        const self = await api()
          .patch(`/api/admin/agents/${agent.id}`)
          .set('Authorization', auth)
          .send(patch)
          .expect(403);
        expect(self.body.code).toBe('FORBIDDEN');
      }
      await api()
        .patch(`/api/admin/agents/${adminId}`)
        .set('Authorization', auth)
        .send({ disabled: true })
        .expect(403);
      await api()
        .post('/api/admin/agents')
        .send({ email: 'x@example.com', name: 'X', password: 'anonymous pass' })
        .expect(401);
      await api()
        .patch(`/api/admin/agents/${agent.id}`)
        .send({ role: 'admin' })
        .expect(401);
      expect((await listAgents()).find((a) => a.id === agent.id)).toMatchObject(
        { role: 'agent', disabled: false, name: agent.name },
      );
      await api()
        .get('/api/auth/me')
        .set('Authorization', adminAuth)
        .expect(200);
    });

    it('never leaves the system without an active admin, even when two admins demote each other at once', async () => {
      const accounts = server.app.get(AdminAccountsService);
      const first = await newAccount('admin');
      const second = await newAccount('admin');
      const actor = (id: string): AdminActor => ({
        kind: 'admin',
        adminId: id,
        role: 'admin',
      });
      // Everyone else steps aside so that these two are the only active admins.
      const others = (await listAgents()).filter(
        (a) =>
          a.role === 'admin' &&
          !a.disabled &&
          ![first.agent.id, second.agent.id].includes(a.id),
      );
      for (const other of others) {
        await accounts.update(actor(first.agent.id), other.id, {
          disabled: true,
        });
      }
      try {
        // Both pass the role check at once (as two requests would); the database decides.
        const outcomes = await Promise.allSettled([
          accounts.update(actor(first.agent.id), second.agent.id, {
            role: 'agent',
          }),
          accounts.update(actor(second.agent.id), first.agent.id, {
            disabled: true,
          }),
        ]);
        expect(outcomes.map((o) => o.status).sort()).toEqual([
          'fulfilled',
          'rejected',
        ]);
        const refusal = outcomes.find((o) => o.status === 'rejected');
        expect(refusal?.reason).toMatchObject({
          code: 'CONFLICT',
          message: 'At least one active admin must remain',
        });
        const admins = (await accounts.list()).filter(
          (a) => a.role === 'admin' && !a.disabled,
        );
        expect(admins).toHaveLength(1);
        // And over REST: the remaining admin is not allowed to leave either.
        const last = admins[0]!.id === first.agent.id ? first : second;
        await api()
          .patch(`/api/admin/agents/${last.agent.id}`)
          .set('Authorization', last.auth)
          .send({ role: 'agent' })
          .expect(409);
      } finally {
        for (const other of others) {
          await accounts.update(actor(randomUUID()), other.id, {
            disabled: false,
          });
        }
        // Disabling revoked the lead's earlier token for good: the lead signs in again.
        await api()
          .get('/api/auth/me')
          .set('Authorization', adminAuth)
          .expect(401);
        adminAuth = `Bearer ${(await login(server)).accessToken}`;
      }
    });
  });

  describe('OpenAPI', () => {
    it('documents the three routes with their schemas and errors', async () => {
      const document = (await api().get('/api/docs-json').expect(200)).body as {
        paths: Record<
          string,
          Record<string, { responses: Record<string, unknown> }>
        >;
        components: { schemas: Record<string, { properties?: object }> };
      };
      expect(
        Object.keys(document.paths['/api/admin/agents'] ?? {}).sort(),
      ).toEqual(['get', 'post']);
      expect(
        Object.keys(
          document.paths['/api/admin/agents/{id}']?.patch.responses ?? {},
        ).sort(),
      ).toEqual(['200', '400', '401', '403', '404', '409']);
      expect(
        Object.keys(document.paths['/api/admin/agents'].post.responses).sort(),
      ).toEqual(['201', '400', '401', '403', '409']);
      expect(
        Object.keys(
          document.components.schemas.AgentView?.properties ?? {},
        ).sort(),
      ).toEqual(AGENT_VIEW_KEYS);
      expect(
        Object.keys(
          document.components.schemas.CreateAgentDto?.properties ?? {},
        ).sort(),
      ).toEqual(['email', 'name', 'password', 'role']);
      expect(
        Object.keys(
          document.components.schemas.UpdateAgentDto?.properties ?? {},
        ).sort(),
      ).toEqual(['disabled', 'name', 'role']);
    });
  });
});
