import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import {
  IsMessageId,
  IsSessionId,
  NullMeansAbsent,
} from '../../common/dto-fields';

/** Any event that names just a session (`request_human`, `admin-join-session`, …) and `:sessionId` routes. */
export class SessionIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsSessionId()
  sessionId: string;
}

export class TypingDto extends SessionIdParams {
  @ApiProperty()
  @IsBoolean({ message: 'isTyping must be true or false' })
  isTyping: boolean;
}

/** Widget `mark_read`: the visitor has read up to this message. */
export class MarkReadDto extends SessionIdParams {
  @ApiProperty({ description: 'The id of the last message read' })
  @IsMessageId()
  upTo: string;
}

/** Admin `mark-read`: without `upTo`, up to the latest message. */
export class AdminMarkReadDto extends SessionIdParams {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'The id of the last message read; by default the latest',
  })
  @NullMeansAbsent()
  @IsMessageId()
  upTo?: string;
}
