import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import {
  IfPresent,
  IsSessionId,
  NullMeansAbsent,
} from '../../common/dto-fields';
import { IsPageLimit } from '../../messages/dto/message-page.dto';
import { SEARCHABLE_TEXT } from './search-text';
import {
  SESSION_STATUSES,
  type SessionStatus,
  SessionSummary,
} from './session.view';

/** `get-all-sessions` and `GET /api/admin/sessions`. */
export class ListSessionsQuery {
  @ApiPropertyOptional({ enum: SESSION_STATUSES })
  @IsOptional()
  @IsIn(SESSION_STATUSES, { message: "status must be 'open' or 'resolved'" })
  status?: SessionStatus;

  @ApiPropertyOptional({
    description:
      'Only sessions with a message containing this text (case-insensitive). It must contain at least 3 ' +
      'letters or digits in a row, which the search index needs.',
    minLength: 3,
    maxLength: 200,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(SEARCHABLE_TEXT, {
    message: 'q must contain at least 3 letters or digits in a row',
  })
  q?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @NullMeansAbsent()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @IsPageLimit()
  limit?: number;
}

export class SessionListView {
  @ApiProperty({ type: [SessionSummary], description: 'Newest activity first' })
  sessions: SessionSummary[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'null on the last page',
  })
  nextCursor: string | null;
}

/** `PATCH /api/admin/sessions/:id`: any of the three. */
export class UpdateSessionDto {
  @ApiPropertyOptional({ enum: SESSION_STATUSES })
  @IfPresent()
  @IsIn(SESSION_STATUSES, { message: "status must be 'open' or 'resolved'" })
  status?: SessionStatus;

  @ApiPropertyOptional()
  @IfPresent()
  @IsBoolean({ message: 'aiEnabled must be true or false' })
  aiEnabled?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'uuid' })
  @ValidateIf(
    (_: unknown, value: unknown) => value !== undefined && value !== null,
  )
  @IsUUID('all', { message: 'assignedAdminId must be an admin id or null' })
  assignedAdminId?: string | null;
}

export class ToggleAiModeDto {
  @ApiProperty({ format: 'uuid' })
  @IsSessionId()
  sessionId: string;

  @ApiProperty({ description: 'Whether the AI assistant answers this session' })
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled: boolean;
}

export class AssignSessionDto {
  @ApiProperty({ format: 'uuid' })
  @IsSessionId()
  sessionId: string;

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'An agent id, or null to unassign',
  })
  @ValidateIf((_: unknown, value: unknown) => value !== null)
  @IsUUID('all', { message: 'adminId must be an admin id or null' })
  adminId: string | null;
}
