import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ErrorCode } from './errors';

export class ErrorResponse {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ enum: ErrorCode, example: ErrorCode.VALIDATION_FAILED })
  code: ErrorCode;

  @ApiProperty({ example: 'content must not be empty' })
  message: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Extra facts, e.g. the failing fields or retryAfterMs',
  })
  details?: Record<string, unknown>;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION_FAILED: the request is malformed',
  401: 'UNAUTHORIZED: missing or invalid bearer token',
  403: 'FORBIDDEN: the caller may not do this',
  404: 'NOT_FOUND: no such session or resource',
  409: 'CONFLICT: the clientMessageId was used for a different message',
  413: 'PAYLOAD_TOO_LARGE: the body is over the size limit',
  429: 'RATE_LIMITED: too many requests; see Retry-After',
  500: 'INTERNAL: an unexpected error; nothing about it is disclosed',
  503: 'UNAVAILABLE: the database is unreachable; try again',
};

/** Documents the contract's error shape for each status a route can answer. */
export const ApiErrorResponses = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        type: ErrorResponse,
        description: DESCRIPTIONS[status],
      }),
    ),
  );
