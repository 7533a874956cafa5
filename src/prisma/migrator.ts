import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { SqlSession } from './database-connection';
import { DatabaseStartError } from './prisma.errors';

export const MIGRATIONS_DIR = resolve(__dirname, '../../prisma/migrations');

/**
 * Prisma's own key (`prisma migrate deploy` takes `pg_advisory_lock(72707369)`), so a release running Prisma's
 * migrations and an instance of this app starting at the same time wait for each other.
 */
export const MIGRATION_LOCK_KEY = 72_707_369;
const MIGRATION_LOCK_WAIT_MS = 10 * 60_000;
/** PostgreSQL's lock_not_available, raised when lock_timeout runs out. */
const LOCK_NOT_AVAILABLE = '55P03';

interface AppliedMigration {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends DatabaseStartError {
  override name = 'MigrationError';
}

/**
 * Applies the pending migrations of prisma/migrations and records them in Prisma's own
 * `_prisma_migrations` table, so `prisma migrate deploy` agrees with it wherever Prisma's engine exists.
 * An advisory lock, Prisma's, keeps two instances starting together (or an instance and `prisma migrate
 * deploy`) from applying the same file twice.
 */
export async function applyMigrations(
  session: SqlSession,
  migrationsDir = MIGRATIONS_DIR,
  logger = new Logger('Migrations'),
): Promise<string[]> {
  const files = readMigrationFiles(migrationsDir);
  await lockMigrations(session, logger);
  try {
    await session.exec(CREATE_MIGRATIONS_TABLE);
    const applied = await session.query<AppliedMigration>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations WHERE rolled_back_at IS NULL',
    );
    const pending = pendingMigrations(files, applied);
    for (const migration of pending) {
      await applyOne(session, migration);
      logger.log(`Applied migration ${migration.name}`);
    }
    return pending.map((migration) => migration.name);
  } finally {
    await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}

/**
 * Waits for the lock as long as another migration may reasonably take (an index on a large table), rather
 * than the usual answer deadline; the database server gives up waiting at the same time as this client.
 */
async function lockMigrations(
  session: SqlSession,
  logger: Logger,
): Promise<void> {
  const [{ locked }] = await session.query<{ locked: boolean }>(
    'SELECT pg_try_advisory_lock($1) AS locked',
    [MIGRATION_LOCK_KEY],
  );
  if (locked) return;
  logger.warn(
    `Waiting for the migration lock (pg_advisory_lock(${MIGRATION_LOCK_KEY})): prisma migrate deploy or another instance is migrating this database`,
  );
  await session.query("SELECT set_config('lock_timeout', $1, false)", [
    `${MIGRATION_LOCK_WAIT_MS}ms`,
  ]);
  try {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY], {
      timeoutMs: MIGRATION_LOCK_WAIT_MS + 5000,
    });
  } catch (error) {
    if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE)
      throw new MigrationError(
        `Another process held the migration lock (pg_advisory_lock(${MIGRATION_LOCK_KEY})) for ${MIGRATION_LOCK_WAIT_MS / 60_000} minutes; start again once its migration has finished`,
      );
    throw error;
  } finally {
    await session.exec('RESET lock_timeout');
  }
}

function readMigrationFiles(migrationsDir: string): MigrationFile[] {
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(
        join(migrationsDir, name, 'migration.sql'),
        'utf8',
      );
      const checksum = createHash('sha256').update(sql).digest('hex');
      return { name, sql, checksum };
    });
}

function pendingMigrations(
  files: MigrationFile[],
  applied: AppliedMigration[],
): MigrationFile[] {
  const appliedByName = new Map(
    applied.map((row) => [row.migration_name, row]),
  );
  for (const row of applied) {
    const file = files.find(
      (candidate) => candidate.name === row.migration_name,
    );
    if (row.finished_at === null) {
      throw new MigrationError(
        `Migration ${row.migration_name} started earlier but never finished; repair the database by hand, then delete its row from _prisma_migrations`,
      );
    }
    if (!file) {
      throw new MigrationError(
        `Migration ${row.migration_name} is applied to the database but missing from prisma/migrations`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `Migration ${row.migration_name} was changed after it was applied (checksum mismatch); add a new migration instead of editing an applied one`,
      );
    }
  }
  return files.filter((file) => !appliedByName.has(file.name));
}

async function applyOne(
  session: SqlSession,
  migration: MigrationFile,
): Promise<void> {
  const id = randomUUID();
  await session.query(
    'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
    [id, migration.checksum, migration.name],
  );
  try {
    await session.exec(`BEGIN;\n${migration.sql}\nCOMMIT;`);
  } catch (error) {
    await session.exec('ROLLBACK').catch(() => undefined);
    await session.query('DELETE FROM _prisma_migrations WHERE id = $1', [id]);
    throw new MigrationError(
      `Migration ${migration.name} failed: ${(error as Error).message}`,
    );
  }
  await session.query(
    'UPDATE _prisma_migrations SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
    [id],
  );
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS _prisma_migrations (
  id                  VARCHAR(36) PRIMARY KEY NOT NULL,
  checksum            VARCHAR(64) NOT NULL,
  finished_at         TIMESTAMPTZ,
  migration_name      VARCHAR(255) NOT NULL,
  logs                TEXT,
  rolled_back_at      TIMESTAMPTZ,
  started_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  applied_steps_count INTEGER NOT NULL DEFAULT 0
)`;
