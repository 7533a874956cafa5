import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type EntryProcess, freePort, spawnEntry } from './utils/app-process';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

const STACK_TRACE = /\n\s+at .+:\d+:\d+/;
/** The key `prisma migrate deploy` locks while it migrates. */
const PRISMA_MIGRATION_LOCK = 72707369;
/** Starting the app takes seconds, and far longer on a loaded machine. */
const START_BOUND_MS = 120_000;

describe('Start-up with the database unreachable', () => {
  let server: EntryProcess | undefined;
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chat-test-'));
  });

  afterEach(async () => {
    await server?.dispose();
    server = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'prints one line naming where the database was expected, no stack trace, and exits non-zero',
    async () => {
      const closedPort = await freePort();
      server = spawnEntry('main.js', {
        DATA_DIR: dataDir,
        DATABASE_URL: `postgresql://chat:secret-password@127.0.0.1:${closedPort}/chat`,
        PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
      });
      expect(await server.exited).toBe(1);
      const output = server.output();
      expect(output).toContain(
        `Cannot connect to the database at 127.0.0.1:${closedPort}/chat: connection refused. Check DATABASE_URL`,
      );
      expect(output).not.toMatch(STACK_TRACE);
      expect(output).not.toContain('secret-password');
    },
    START_BOUND_MS,
  );
});

// Another connection can hold a lock only on a database server; the embedded database has one connection.
const describeWithServer = process.env.TEST_DATABASE_URL
  ? describe
  : describe.skip;

describeWithServer('Migrations beside prisma migrate deploy', () => {
  let db: TestDatabase;
  let holder: Client;
  let starting: Promise<TestApp> | undefined;

  beforeEach(async () => {
    db = await createTestDatabase();
    holder = new Client({ connectionString: db.env.DATABASE_URL });
    await holder.connect();
  });

  afterEach(async () => {
    await holder.end();
    await (await starting?.catch(() => undefined))?.close();
    starting = undefined;
    await db.drop();
  });

  /** Resolves once a connection waits for the advisory lock with this key in the test's database. */
  async function someoneWaitsFor(key: number): Promise<void> {
    const deadline = Date.now() + START_BOUND_MS;
    for (;;) {
      const { rows } = await holder.query(
        `SELECT 1 FROM pg_locks
          WHERE locktype = 'advisory' AND NOT granted AND objid = $1
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [key],
      );
      if (rows.length) return;
      if (Date.now() > deadline)
        throw new Error(`Nobody waited for advisory lock ${key}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function migrationsTableExists(): Promise<boolean> {
    const { rows } = await holder.query<{ exists: boolean }>(
      `SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists`,
    );
    return rows[0].exists;
  }

  it(
    "waits while another connection holds Prisma's migration lock, then migrates and serves",
    async () => {
      await holder.query('SELECT pg_advisory_lock($1)', [
        PRISMA_MIGRATION_LOCK,
      ]);
      let started = false;
      starting = startApp(db.env);
      void starting.then(
        () => (started = true),
        () => undefined,
      );

      await someoneWaitsFor(PRISMA_MIGRATION_LOCK);
      expect(started).toBe(false);
      expect(await migrationsTableExists()).toBe(false);

      await holder.query('SELECT pg_advisory_unlock($1)', [
        PRISMA_MIGRATION_LOCK,
      ]);
      await starting;
      const { rows } = await holder.query<{ finished: number }>(
        'SELECT count(*)::int AS finished FROM _prisma_migrations WHERE finished_at IS NOT NULL',
      );
      expect(rows[0].finished).toBeGreaterThan(0);
    },
    START_BOUND_MS,
  );
});
