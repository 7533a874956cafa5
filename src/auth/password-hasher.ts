import {
  randomBytes,
  scrypt as scryptCallback,
  timingSafeEqual,
} from 'node:crypto';
import { promisify } from 'node:util';
import {
  type Algorithm,
  hash as argon2Hash,
  parseOptions,
  verify as argon2Verify,
} from '@node-rs/argon2';

/**
 * OWASP's Password Storage Cheat Sheet, first option: argon2id, 19 MiB, 2 passes, 1 lane (about 30 ms
 * here). The PHC string it produces, `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, names its own
 * parameters, so raising them later still verifies the hashes stored before.
 */
const ARGON2ID = {
  // A const enum in the package's types; its runtime object is empty.
  algorithm: 2 as Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** An argon2id PHC string with a fresh random salt. */
export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password, ARGON2ID);
}

/** Checks a password against an argon2 PHC string, or a `scrypt$…` hash stored by earlier versions. */
export async function verifyPassword(
  password: string,
  stored: string,
): Promise<boolean> {
  if (stored.startsWith('$argon2'))
    return argon2Verify(stored, password).catch(() => false);
  if (stored.startsWith('scrypt$')) return verifyLegacyScrypt(password, stored);
  return false;
}

/** True when a stored hash is not argon2id at today's parameters: sign-in then stores a new one. */
export function needsRehash(stored: string): boolean {
  if (!stored.startsWith('$argon2id$')) return true;
  try {
    const used = parseOptions(stored);
    return (
      used.memoryCost !== ARGON2ID.memoryCost ||
      used.timeCost !== ARGON2ID.timeCost ||
      used.parallelism !== ARGON2ID.parallelism
    );
  } catch {
    return true;
  }
}

/** A hash no password matches, verified when the email is unknown so both failures take as long. */
export const UNMATCHABLE_HASH =
  `$argon2id$v=19$m=${ARGON2ID.memoryCost},t=${ARGON2ID.timeCost},p=${ARGON2ID.parallelism}` +
  `$${randomBytes(16).toString('base64').replace(/=+$/, '')}` +
  `$${randomBytes(32).toString('base64').replace(/=+$/, '')}`;

export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keyLength: number,
) => Promise<Buffer>;

/** `scrypt$<salt>$<key>` in base64, at Node's default cost (N=16384, r=8, p=1): what versions before argon2id stored. */
async function verifyLegacyScrypt(
  password: string,
  stored: string,
): Promise<boolean> {
  const [, salt, key] = stored.split('$');
  if (!salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  if (expected.length === 0) return false;
  const actual = await scrypt(
    password,
    Buffer.from(salt, 'base64'),
    expected.length,
  );
  return timingSafeEqual(actual, expected);
}
