import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength, MinLength } from 'class-validator';

// class-validator checks a field's decorators bottom-up and reports the first failure: presence first.
export class LoginDto {
  @ApiProperty({ example: 'agent@example.com', minLength: 1, maxLength: 254 })
  @MaxLength(254)
  @MinLength(1, { message: 'email must not be empty' })
  @IsString()
  @IsDefined({ message: 'email is required' })
  email: string;

  @ApiProperty({ minLength: 1, maxLength: 256 })
  @MaxLength(256)
  @MinLength(1, { message: 'password must not be empty' })
  @IsString()
  @IsDefined({ message: 'password is required' })
  password: string;
}
