import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString } from 'class-validator';
import { IsClientMessageId, IsSessionId } from '../../common/dto-fields';

/** `user_message` on the widget socket and `admin_message` on the admin socket. */
export class SendMessageDto {
  @ApiProperty({ format: 'uuid' })
  @IsSessionId()
  sessionId: string;

  @ApiProperty({
    description:
      'Trimmed, then 1..MESSAGE_MAX_LENGTH Unicode code points (default 4000); never truncated',
  })
  @IsString()
  content: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    minLength: 1,
    maxLength: 100,
    pattern: '^[\\x20-\\x7e]{1,100}$',
    description:
      'Idempotency key, 1..100 printable ASCII characters: a retry with the same key returns the original message',
  })
  @IsClientMessageId()
  clientMessageId?: string | null;
}

/** `POST /api/chat/message`. */
export class PostMessageDto extends SendMessageDto {
  @ApiProperty({
    enum: ['user', 'admin'],
    description: "'admin' needs an admin bearer token",
  })
  @IsIn(['user', 'admin'], { message: "sender must be 'user' or 'admin'" })
  sender: 'user' | 'admin';
}
