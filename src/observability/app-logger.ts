import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import type { LogFormat, LogLevelSetting, Settings } from '../config/settings';
import { currentContext } from './request-context';
import { SecretRedactor } from './secret-redactor';

const LOG_LEVELS: LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'log',
  'debug',
  'verbose',
];

/** Lines written without a context (rare: a bare `Logger.log(…)`) still name one. */
const DEFAULT_CONTEXT = 'App';

type JsonLogOptions = Parameters<ConsoleLogger['printAsJson']>[1];

/** LOG_LEVEL and every level more severe. */
export function logLevelsUpTo(level: LogLevelSetting): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}

/**
 * The app's logger: Nest's own pretty lines in development, one JSON object per line in production
 * (`time`, `level`, `context`, `message`, and `correlationId` / `sessionId` for lines written while
 * handling a request or a socket event). Every line, stack traces included, goes through the redactor.
 */
export class AppLogger extends ConsoleLogger {
  constructor(
    readonly format: LogFormat,
    logLevels: LogLevel[],
    private readonly secrets: SecretRedactor,
  ) {
    super({ json: format === 'json', logLevels });
  }

  protected override printAsJson(
    message: unknown,
    options: JsonLogOptions,
  ): void {
    const line = this.secrets.redact(
      this.stringifyJsonLogObject(this.jsonRecord(message, options)),
    );
    process[options.writeStreamType ?? 'stdout'].write(`${line}\n`);
  }

  private jsonRecord(
    message: unknown,
    options: JsonLogOptions,
  ): Record<string, unknown> {
    const record: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: options.logLevel,
      context: options.context || DEFAULT_CONTEXT,
      message,
    };
    const request = currentContext();
    if (request) {
      record.correlationId = request.correlationId;
      const sessionId = request.sessionId();
      if (sessionId) record.sessionId = sessionId;
    }
    if (options.errorStack) record.stack = options.errorStack;
    if (options.error) record.error = this.serializeError(options.error);
    if (options.params) record.params = options.params;
    record.pid = process.pid;
    return record;
  }

  protected override formatMessage(
    logLevel: LogLevel,
    message: unknown,
    pidMessage: string,
    formattedLogLevel: string,
    contextMessage: string,
    timestampDiff: string,
    params?: Record<string, unknown>,
  ): string {
    return this.secrets.redact(
      super.formatMessage(
        logLevel,
        message,
        pidMessage,
        formattedLogLevel,
        contextMessage + requestTag(),
        timestampDiff,
        params,
      ),
    );
  }

  protected override printStackTrace(stack: string): void {
    super.printStackTrace(stack && this.secrets.redact(stack));
  }
}

/** `correlationId=… sessionId=… ` for a pretty line written while handling a request or an event. */
function requestTag(): string {
  const request = currentContext();
  if (!request) return '';
  const sessionId = request.sessionId();
  return `correlationId=${request.correlationId} ${sessionId ? `sessionId=${sessionId} ` : ''}`;
}

/** The logger main.ts and the tests install: LOG_FORMAT, LOG_LEVEL and the secrets to mask come from the settings. */
export function createAppLogger(
  settings: Settings,
  logLevels: LogLevel[] = logLevelsUpTo(settings.logLevel),
): AppLogger {
  return new AppLogger(
    settings.logFormat,
    logLevels,
    SecretRedactor.fromSettings(settings),
  );
}

/**
 * A start-up failure said before the app (and its logger) exists: the bare line in the pretty format, as it
 * always was, or one JSON line like every other.
 */
export function writeStartupFailure(
  message: string,
  context: string,
  format: LogFormat,
): void {
  const redacted = new SecretRedactor([]).redact(message);
  process.stderr.write(
    format === 'json'
      ? `${JSON.stringify({ time: new Date().toISOString(), level: 'fatal', context, message: redacted, pid: process.pid })}\n`
      : `${redacted}\n`,
  );
}
