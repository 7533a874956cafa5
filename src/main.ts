import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import {
  InvalidSettingError,
  type LogLevelSetting,
  loadSettingsFromProcess,
  type Settings,
} from './config/settings';

const LOG_LEVELS: LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'log',
  'debug',
  'verbose',
];

function logLevelsFrom(level: LogLevelSetting): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}

function settingsOrExit(): Settings {
  try {
    return loadSettingsFromProcess();
  } catch (error) {
    if (!(error instanceof InvalidSettingError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

async function bootstrap(): Promise<void> {
  const settings = settingsOrExit();
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(settings),
    {
      bodyParser: false,
      logger: logLevelsFrom(settings.logLevel),
    },
  );
  configureApp(app, settings);
  app.enableShutdownHooks();
  await app.listen(settings.port);
  new Logger('Bootstrap').log(
    `Chat backend listening on http://localhost:${settings.port} (API docs: /api/docs)`,
  );
}

void bootstrap();
