import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import {
  InvalidSettingError,
  loadSettingsFromProcess,
  logFormatFromProcess,
  type Settings,
} from './config/settings';
import {
  createAppLogger,
  writeStartupFailure,
} from './observability/app-logger';
import { DatabaseStartError } from './prisma/prisma.errors';

const SHUTDOWN_BACKSTOP_MS = 30_000;

function settingsOrExit(): Settings {
  try {
    return loadSettingsFromProcess();
  } catch (error) {
    if (!(error instanceof InvalidSettingError)) throw error;
    writeStartupFailure(error.message, 'Settings', logFormatFromProcess());
    process.exit(1);
  }
}

/** Each shutdown step is bounded; this is the backstop should one of them hang anyway. */
function exitIfShutdownHangs(): void {
  const onSignal = () => {
    setTimeout(() => {
      new Logger('Shutdown').error(
        `Shutdown did not finish within ${SHUTDOWN_BACKSTOP_MS} ms; exiting`,
      );
      process.exit(1);
    }, SHUTDOWN_BACKSTOP_MS).unref();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

async function bootstrap(): Promise<void> {
  const settings = settingsOrExit();
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(settings),
    {
      bodyParser: false,
      logger: createAppLogger(settings),
    },
  );
  configureApp(app, settings);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  exitIfShutdownHangs();
  await app.listen(settings.port);
  new Logger('Bootstrap').log(
    `Chat backend listening on http://localhost:${settings.port} (API docs: /api/docs)`,
  );
}

bootstrap().catch((error: unknown) => {
  // An unreachable or busy database is the operator's to fix: one line that says how, not a stack trace.
  if (!(error instanceof DatabaseStartError)) throw error;
  writeStartupFailure(error.message, 'Database', logFormatFromProcess());
  process.exit(1);
});
