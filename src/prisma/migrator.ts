import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { SqlSession } from './database-connection';

export const MIGRATIONS_DIR = resolve(__dirname, '../../prisma/migrations');

/** Any constant works; it only has to be the same for every instance of this app. */
const MIGRATION_LOCK_KEY = 4_172_019_551;

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

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies the pending migrations of prisma/migrations and records them in Prisma's own
 * `_prisma_migrations` table, so `prisma migrate deploy` agrees with it wherever Prisma's engine exists.
 * An advisory lock keeps two instances starting together from applying the same file twice.
 */
export async function applyMigrations(
  session: SqlSession,
  migrationsDir = MIGRATIONS_DIR,
  logger = new Logger('Migrations'),
): Promise<string[]> {
  const files = readMigrationFiles(migrationsDir);
  await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
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
