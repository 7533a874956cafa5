import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../config/settings';

/**
 * JWT_SECRET when set. Otherwise (development only; production refuses to start without it) a random
 * secret generated once and kept in DATA_DIR, so tokens survive a restart.
 */
export function resolveJwtSecret(
  settings: Pick<Settings, 'jwtSecret' | 'dataDir'>,
): string {
  if (settings.jwtSecret) return settings.jwtSecret;
  const file = join(settings.dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
