import request from 'supertest';
import type { TestApp } from './test-app';
import { connect, type TestSocket } from './sockets';

export const ADMIN_EMAIL = 'lead@example.com';
export const ADMIN_PASSWORD = 'correct horse battery staple';

/** Settings that create the first admin with known credentials. */
export const adminEnv = {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  JWT_SECRET: 'test-secret-'.padEnd(40, 'x'),
};

export async function login(
  server: TestApp,
  email = ADMIN_EMAIL,
  password = ADMIN_PASSWORD,
) {
  const response = await request(server.url)
    .post('/api/auth/login')
    .send({ email, password })
    .expect(200);
  return response.body as {
    accessToken: string;
    expiresIn: number;
    admin: { id: string; email: string; name: string; role: string };
  };
}

/** A signed-in admin socket on /admin. */
export async function connectAdmin(
  server: TestApp,
  token?: string,
): Promise<TestSocket> {
  const accessToken = token ?? (await login(server)).accessToken;
  return connect(server.url, {
    namespace: '/admin',
    auth: { token: accessToken },
  });
}

/** Disables an account the way the admin panel does: PATCH as the first admin. */
export async function disableAccount(
  server: TestApp,
  accountId: string,
): Promise<void> {
  const { accessToken } = await login(server);
  await request(server.url)
    .patch(`/api/admin/agents/${accountId}`)
    .set('Authorization', `Bearer ${accessToken}`)
    .send({ disabled: true })
    .expect(200);
}
