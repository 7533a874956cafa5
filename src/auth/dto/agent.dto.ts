import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import type { AdminRole } from '../../common/actor';
import { IfPresent } from '../../common/dto-fields';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../password-rules';
import { ADMIN_ROLES } from './admin.view';

const NAME_MAX_LENGTH = 100;
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;

/** An account's display name: trimmed, 1..NAME_MAX_LENGTH characters, no control characters. */
const IsAgentName = () =>
  applyDecorators(
    Transform(trimmed),
    IsString(),
    MinLength(1, { message: 'name must not be empty' }),
    MaxLength(NAME_MAX_LENGTH),
    Matches(NO_CONTROL_CHARACTERS, {
      message: 'name must not contain control characters',
    }),
  );

const ROLE_MESSAGE = "role must be 'agent' or 'admin'";

/** The fields of an account that `npm run admin:create` and `POST /api/admin/agents` share. */
export class AgentAccountDto {
  @ApiProperty({
    example: 'ada@example.com',
    maxLength: 254,
    description: 'Sign-in email, unique; stored lower-case',
  })
  @Transform(trimmed)
  @IsString()
  @MaxLength(254)
  @IsEmail(
    { require_tld: false },
    { message: 'email must be an email address' },
  )
  email: string;

  @ApiProperty({
    example: 'Ada',
    maxLength: NAME_MAX_LENGTH,
    description: 'Shown to colleagues in the admin panel (trimmed)',
  })
  @IsAgentName()
  name: string;

  @ApiPropertyOptional({
    enum: ADMIN_ROLES,
    default: 'agent',
    description: "'admin' may also erase and export sessions and manage agents",
  })
  @IsOptional()
  @IsIn(ADMIN_ROLES, { message: ROLE_MESSAGE })
  role?: AdminRole;
}

/** `POST /api/admin/agents`. */
export class CreateAgentDto extends AgentAccountDto {
  @ApiProperty({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description: `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters, not mostly one repeated character, not the email`,
  })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH, {
    message: `password must be at least ${PASSWORD_MIN_LENGTH} characters`,
  })
  @MaxLength(PASSWORD_MAX_LENGTH, {
    message: `password must be at most ${PASSWORD_MAX_LENGTH} characters`,
  })
  password: string;
}

/** `PATCH /api/admin/agents/:id`: any of the three. */
export class UpdateAgentDto {
  @ApiPropertyOptional({ maxLength: NAME_MAX_LENGTH })
  @IfPresent()
  @IsAgentName()
  name?: string;

  @ApiPropertyOptional({
    enum: ADMIN_ROLES,
    description: 'An admin cannot demote themselves',
  })
  @IfPresent()
  @IsIn(ADMIN_ROLES, { message: ROLE_MESSAGE })
  role?: AdminRole;

  @ApiPropertyOptional({
    description:
      'true signs the account out everywhere and keeps it out; an admin cannot disable themselves',
  })
  @IfPresent()
  @IsBoolean({ message: 'disabled must be true or false' })
  disabled?: boolean;
}

export class AgentIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be an agent id' })
  id: string;
}
