import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsSessionId } from '../../common/dto-fields';

/** `init_session`: no id starts a new session; a known id resumes it; an unknown well-formed id creates it. */
export class InitSessionDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      "A session id (a UUID, any case): resumes that session, or creates one with that id. Absent, null or '' starts a new session",
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === '' ? undefined : value,
  )
  @IsSessionId()
  sessionId?: string | null;
}

/** `POST /api/chat/session`. The server's own view of the client wins over these fields. */
export class CreateSessionDto {
  @ApiPropertyOptional({
    maxLength: 512,
    description: 'Used only when the request carries no User-Agent',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  userAgent?: string;

  @ApiPropertyOptional({
    maxLength: 64,
    description: 'Used only when the server observes no client address',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  ipAddress?: string;
}
