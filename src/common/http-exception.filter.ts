import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorCode, httpStatusOf } from './errors';
import { toAppError } from './error-mapping';

/** Every HTTP error, unknown routes included, leaves as `{ statusCode, code, message, details? }`. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const error = toAppError(exception);
    const statusCode = httpStatusOf(error.code);
    const retryAfterMs = error.details?.retryAfterMs;
    if (
      error.code === ErrorCode.RATE_LIMITED &&
      typeof retryAfterMs === 'number'
    ) {
      response.setHeader(
        'Retry-After',
        Math.max(1, Math.ceil(retryAfterMs / 1000)),
      );
    }
    if (response.headersSent) return;
    response.status(statusCode).json({ statusCode, ...error.toBody() });
  }
}
