import { Logger } from '@nestjs/common';
import {
  InvalidSettingError,
  loadSettingsFromProcess,
} from '../config/settings';
import { openDatabase } from './database-connection';
import { applyMigrations } from './migrator';
import { DatabaseStartError } from './prisma.errors';

/** `npm run db:migrate`: applies pending migrations without serving. */
async function main(): Promise<void> {
  const logger = new Logger('Migrations');
  const database = openDatabase(loadSettingsFromProcess());
  try {
    await database.open();
    const applied = await database.withSession((session) =>
      applyMigrations(session, undefined, logger),
    );
    logger.log(
      applied.length
        ? `${applied.length} migration(s) applied`
        : 'Database is up to date',
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  const known =
    error instanceof InvalidSettingError || error instanceof DatabaseStartError;
  new Logger('Migrations').error(
    known ? error.message : 'Migration failed: ' + String(error),
  );
  process.exitCode = 1;
});
