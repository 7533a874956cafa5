import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { RawEnvironment } from '../../src/config/settings';

/**
 * A database of its own for one test file: a fresh embedded data folder by default, or a fresh
 * PostgreSQL database when TEST_DATABASE_URL points at a server. Dropped afterwards either way.
 */
export interface TestDatabase {
  readonly kind: 'embedded' | 'postgresql';
  /** Settings that point the app at this database. */
  readonly env: RawEnvironment;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  return serverUrl
    ? createPostgresDatabase(serverUrl)
    : createEmbeddedDatabase();
}

function createEmbeddedDatabase(): TestDatabase {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-test-'));
  return {
    kind: 'embedded',
    env: { DATA_DIR: dataDir },
    drop: () =>
      Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
  };
}

async function createPostgresDatabase(
  serverUrl: string,
): Promise<TestDatabase> {
  const name = `chat_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(serverUrl, (client) =>
    client.query(`CREATE DATABASE "${name}"`),
  );
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // Local state other than the database (the generated JWT secret) still needs a folder.
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-test-'));
  return {
    kind: 'postgresql',
    env: { DATABASE_URL: url.toString(), DATA_DIR: dataDir },
    drop: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      await withAdminClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

async function withAdminClient<T>(
  serverUrl: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
