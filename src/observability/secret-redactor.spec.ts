import { parseSettings } from '../config/settings';
import { REDACTED, SecretRedactor } from './secret-redactor';

describe('SecretRedactor', () => {
  const settings = parseSettings({
    JWT_SECRET: 'jwt-secret-'.padEnd(40, 'j'),
    ADMIN_EMAIL: 'boss@example.com',
    ADMIN_PASSWORD: 'a "quoted" pass/word\\ 2026',
    AI_API_KEYS: 'key-one-0001,key-two-0002',
    DATABASE_URL: 'postgresql://chat:db%40pass%2Fword@db.internal:5432/chat',
    REDIS_URL: 'redis://default:redis-pass-99@cache:6379/2',
    METRICS_ENABLED: 'true',
    METRICS_TOKEN: 'metrics-token-'.padEnd(40, 'm'),
  });
  const redactor = SecretRedactor.fromSettings(settings);

  it.each([
    settings.jwtSecret!,
    settings.adminPassword!,
    'key-one-0001',
    'key-two-0002',
    settings.metricsToken!,
    'db%40pass%2Fword',
    'db@pass/word',
    'redis-pass-99',
  ])(
    'masks the configured secret %p, raw and as JSON or a URL write it',
    (secret) => {
      for (const written of [
        secret,
        JSON.stringify(secret).slice(1, -1),
        encodeURIComponent(secret),
      ]) {
        const line = redactor.redact(`before ${written} after`);
        expect(line).toBe(`before ${REDACTED} after`);
      }
    },
  );

  it('masks secrets by their shape whatever their value, keeping what helps to debug', () => {
    const shapes = new SecretRedactor([]);
    expect(
      shapes.redact(
        'connect postgresql://app:hunter2@10.0.0.5:5432/chat failed',
      ),
    ).toBe(`connect postgresql://app:${REDACTED}@10.0.0.5:5432/chat failed`);
    expect(shapes.redact('Authorization: Bearer abc.def-ghi')).toBe(
      `Authorization: Bearer ${REDACTED}`,
    );
    expect(shapes.redact('basic dXNlcjpwYXNz=')).toBe(`basic ${REDACTED}`);
    expect(
      shapes.redact(
        'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl here',
      ),
    ).toBe(`token ${REDACTED} here`);
    expect(shapes.redact('key sk-proj-AbCdEfGhIjKlMnOpQrSt')).toBe(
      `key ${REDACTED}`,
    );
  });

  it('leaves ordinary lines alone, the first admin password line included', () => {
    const line =
      'Created the first admin. Sign in as admin@localhost with password Xk7-pq2-Lm9-zz4 (shown only this once)';
    expect(redactor.redact(line)).toBe(line);
  });
});
