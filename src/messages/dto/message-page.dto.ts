import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import {
  IsMessageId,
  IsSessionId,
  NullMeansAbsent,
} from '../../common/dto-fields';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Optional page size of every list: 1..MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE. */
export const IsPageLimit = () =>
  applyDecorators(
    ApiPropertyOptional({
      minimum: 1,
      maximum: MAX_PAGE_SIZE,
      default: DEFAULT_PAGE_SIZE,
    }),
    IsOptional(),
    Type(() => Number),
    IsInt({ message: 'limit must be a whole number' }),
    Min(1, { message: `limit must be from 1 to ${MAX_PAGE_SIZE}` }),
    Max(MAX_PAGE_SIZE, { message: `limit must be from 1 to ${MAX_PAGE_SIZE}` }),
  );

/** Cursor page of a session's messages: `after`, `before`, or neither for the latest. */
export class MessagePageQuery {
  @ApiPropertyOptional({
    description: 'The first `limit` messages after this id',
  })
  @NullMeansAbsent()
  @IsMessageId()
  after?: string;

  @ApiPropertyOptional({
    description: 'The last `limit` messages before this id',
  })
  @NullMeansAbsent()
  @IsMessageId()
  before?: string;

  @IsPageLimit()
  limit?: number;
}

/** `sync` on the widget socket and `get-messages` on the admin socket. */
export class SessionMessagePageDto extends MessagePageQuery {
  @ApiProperty({ format: 'uuid' })
  @IsSessionId()
  sessionId: string;
}
