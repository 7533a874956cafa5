import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ErrorCode, httpStatusOf } from './errors';

/** The examples live on each response (ApiErrorResponses): a status's own body, not one for all. */
export class ErrorResponse {
  @ApiProperty({ description: 'The HTTP status, repeated' })
  statusCode: number;

  @ApiProperty({ enum: ErrorCode })
  code: ErrorCode;

  @ApiProperty({ description: 'For people; the code is for programs' })
  message: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Extra facts: `fields` for VALIDATION_FAILED, `reason` for UNAUTHORIZED, `retryAfterMs` for RATE_LIMITED',
  })
  details?: Record<string, unknown>;
}

/** What a route says about one error status: the description, and the body of a typical answer. */
export interface ErrorResponseDoc {
  status: number;
  description: string;
  message: string;
  details?: Record<string, unknown>;
}

const INVALID_SESSION_ID = 'sessionId must be a UUID';

const TYPICAL: Record<number, Omit<ErrorResponseDoc, 'status'>> = {
  400: {
    description: 'VALIDATION_FAILED: the request is malformed',
    message: INVALID_SESSION_ID,
    details: { fields: [{ field: 'sessionId', message: INVALID_SESSION_ID }] },
  },
  401: {
    description:
      'UNAUTHORIZED: the bearer token is missing, invalid or expired (`details.reason`)',
    message: 'An admin access token is required',
    details: { reason: 'missing' },
  },
  403: {
    description:
      'FORBIDDEN: the caller may not do this (a role, or an Origin not in CORS_ORIGINS)',
    message: 'Only the admin role may do this',
  },
  404: {
    description: 'NOT_FOUND: no such session or resource',
    message: 'Session not found',
  },
  409: {
    description:
      'CONFLICT: the clientMessageId was used for a different message, or the session is full (`details.maxMessages`)',
    message:
      'clientMessageId was already used for a different message in this session',
  },
  413: {
    description: 'PAYLOAD_TOO_LARGE: the body is over the size limit',
    message: 'request entity too large',
  },
  429: {
    description:
      'RATE_LIMITED: too many requests; see `details.retryAfterMs` and Retry-After',
    message: 'Too many requests; slow down',
    details: { retryAfterMs: 1200 },
  },
  500: {
    description: 'INTERNAL: an unexpected error; nothing about it is disclosed',
    message: 'Internal error',
  },
  503: {
    description:
      'UNAVAILABLE: the database is unreachable or the server is shutting down; try again',
    message: 'The service is temporarily unavailable; try again shortly',
  },
};

const CODE_OF_STATUS = new Map<number, ErrorCode>(
  Object.values(ErrorCode).map((code) => [httpStatusOf(code), code]),
);

/** The body a documented error answer has: `{ statusCode, code, message, details? }`. */
export function errorExample(doc: ErrorResponseDoc): ErrorResponse {
  const code = CODE_OF_STATUS.get(doc.status);
  if (!code) throw new Error(`No error code answers HTTP ${doc.status}`);
  return {
    statusCode: doc.status,
    code,
    message: doc.message,
    ...(doc.details && { details: doc.details }),
  };
}

/**
 * Documents the contract's error shape for each status a route can answer, with an example body of that
 * status. A status whose typical text does not fit the route is given as its own `ErrorResponseDoc`.
 */
export const ApiErrorResponses = (
  ...responses: (number | ErrorResponseDoc)[]
) =>
  applyDecorators(
    ...responses.map((response) => {
      const doc =
        typeof response === 'number'
          ? { status: response, ...TYPICAL[response] }
          : response;
      return ApiResponse({
        status: doc.status,
        type: ErrorResponse,
        description: doc.description,
        example: errorExample(doc),
      });
    }),
  );
