import { randomBytes } from 'node:crypto';
import type { TestingModuleBuilder } from '@nestjs/testing';
import { createClient } from 'redis';
import { PRESENCE_LEASE_MS } from '../../src/realtime/redis-presence.service';
import { REDIS_KEY_PREFIX } from '../../src/realtime/redis.service';

/** The machine's Redis, which CI starts. */
export const TEST_REDIS_URL =
  process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of this test file's own: runs in parallel share one Redis, pub/sub channels included. */
export function uniqueRedisKeyPrefix(): string {
  return `chat-test-${Date.now()}-${randomBytes(4).toString('hex')}`;
}

/** Puts the app in its own corner of Redis, with a presence lease short enough to wait out. */
export function inRedisCorner(keyPrefix: string, presenceLeaseMs: number) {
  return (builder: TestingModuleBuilder) =>
    builder
      .overrideProvider(REDIS_KEY_PREFIX)
      .useValue(keyPrefix)
      .overrideProvider(PRESENCE_LEASE_MS)
      .useValue(presenceLeaseMs);
}

/** Every key under the prefix, read straight from Redis. */
export async function redisKeysUnder(keyPrefix: string): Promise<string[]> {
  const client = createClient({ url: TEST_REDIS_URL });
  await client.connect();
  try {
    return await client.keys(`${keyPrefix}:*`);
  } finally {
    client.destroy();
  }
}

/** Retries `check` until it stops throwing, or fails with its last error after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
