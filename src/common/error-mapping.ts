import { channel } from 'node:diagnostics_channel';
import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import { AppError, ErrorCode } from './errors';

const logger = new Logger('Errors');

/** Each database failure met while answering is published here (for metrics), with its kind. */
export const DATABASE_ERRORS_CHANNEL = 'chat:database-errors';
export type DatabaseErrorKind = 'unavailable' | 'query';
const databaseErrors = channel(DATABASE_ERRORS_CHANNEL);

const UNREACHABLE_DATABASE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|Connection terminated|timeout exceeded when trying to connect|Query read timeout|Can't reach database|Client has encountered a connection error|Connection ended/i;

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: ErrorCode.VALIDATION_FAILED,
  [HttpStatus.UNAUTHORIZED]: ErrorCode.UNAUTHORIZED,
  [HttpStatus.FORBIDDEN]: ErrorCode.FORBIDDEN,
  [HttpStatus.NOT_FOUND]: ErrorCode.NOT_FOUND,
  [HttpStatus.METHOD_NOT_ALLOWED]: ErrorCode.NOT_FOUND,
  [HttpStatus.CONFLICT]: ErrorCode.CONFLICT,
  [HttpStatus.PAYLOAD_TOO_LARGE]: ErrorCode.PAYLOAD_TOO_LARGE,
  [HttpStatus.TOO_MANY_REQUESTS]: ErrorCode.RATE_LIMITED,
  [HttpStatus.SERVICE_UNAVAILABLE]: ErrorCode.UNAVAILABLE,
};

const SAFE_MESSAGES: Record<ErrorCode, string> = {
  [ErrorCode.VALIDATION_FAILED]: 'The request is not valid',
  [ErrorCode.NOT_FOUND]: 'Not found',
  [ErrorCode.UNAUTHORIZED]: 'Authentication required',
  [ErrorCode.FORBIDDEN]: 'Not allowed',
  [ErrorCode.CONFLICT]: 'Conflicts with existing data',
  [ErrorCode.RATE_LIMITED]: 'Too many requests',
  [ErrorCode.PAYLOAD_TOO_LARGE]: 'The payload is too large',
  [ErrorCode.UNAVAILABLE]:
    'The service is temporarily unavailable; try again shortly',
  [ErrorCode.INTERNAL]: 'Internal error',
};

/**
 * Turns anything thrown into an AppError that is safe to send: domain errors pass through, framework
 * and database errors get a code and a fixed message, and everything unexpected is logged here and
 * answered as INTERNAL without details.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HttpException) return fromHttpException(error);
  const prismaCode = (error as { code?: unknown } | null)?.code;
  if (prismaCode === 'P2002')
    return new AppError(ErrorCode.CONFLICT, SAFE_MESSAGES.CONFLICT);
  if (prismaCode === 'P2025')
    return new AppError(ErrorCode.NOT_FOUND, SAFE_MESSAGES.NOT_FOUND);
  if (isDatabaseUnavailable(error)) {
    databaseErrors.publish('unavailable' satisfies DatabaseErrorKind);
    logger.warn(`Database unavailable: ${String((error as Error).message)}`);
    return unavailableError();
  }
  if (isDatabaseError(error)) {
    databaseErrors.publish('query' satisfies DatabaseErrorKind);
  }
  logger.error(
    error instanceof Error ? (error.stack ?? error.message) : String(error),
  );
  return new AppError(ErrorCode.INTERNAL, SAFE_MESSAGES.INTERNAL);
}

/** The answer while a dependency (the database) does not respond: the client may retry shortly. */
export function unavailableError(): AppError {
  return new AppError(ErrorCode.UNAVAILABLE, SAFE_MESSAGES.UNAVAILABLE);
}

function fromHttpException(error: HttpException): AppError {
  const status = error.getStatus();
  const code =
    CODE_BY_STATUS[status] ??
    (status >= 500 ? ErrorCode.INTERNAL : ErrorCode.VALIDATION_FAILED);
  // Framework messages for these statuses are written for clients ("Cannot GET /x", JSON parse errors).
  const message = status < 500 ? error.message : SAFE_MESSAGES[code];
  return new AppError(code, message);
}

const UNREACHABLE_CODES = new Set([
  'P1001',
  'P1002',
  'P1017',
  'P2024',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * Errors of the driver, of Prisma or of the network that mean "no database right now". Checked by shape,
 * not with instanceof: socket errors come from Node itself, which need not share this code's Error class.
 */
function isDatabaseUnavailable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, name, message, cause } = error as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    cause?: unknown;
  };
  return (
    (typeof code === 'string' && UNREACHABLE_CODES.has(code)) ||
    name === 'PrismaClientInitializationError' ||
    (typeof message === 'string' && UNREACHABLE_DATABASE.test(message)) ||
    (cause !== undefined && isDatabaseUnavailable(cause))
  );
}

/** A statement the database refused: a Prisma or driver-adapter error, or PostgreSQL's own (severity and SQLSTATE). */
function isDatabaseError(error: unknown): boolean {
  const { name, severity, code } = (error ?? {}) as {
    name?: unknown;
    severity?: unknown;
    code?: unknown;
  };
  return (
    (typeof name === 'string' &&
      (name.startsWith('PrismaClient') || name === 'DriverAdapterError')) ||
    (typeof severity === 'string' && typeof code === 'string')
  );
}
