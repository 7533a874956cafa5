import { ApiProperty } from '@nestjs/swagger';
import type { AdminRole } from '../../common/actor';

export const ADMIN_ROLES = ['admin', 'agent'] as const;

export interface AdminRecord {
  id: string;
  email: string;
  name: string;
  role: AdminRole;
  passwordHash: string;
  disabled: boolean;
  tokensValidAfter: Date | null;
  createdAt: Date;
}

export class AdminView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  email: string;

  @ApiProperty()
  name: string;

  @ApiProperty({
    enum: ADMIN_ROLES,
    description: "'admin' may also erase and export sessions",
  })
  role: AdminRole;
}

export function toAdminView({ id, email, name, role }: AdminRecord): AdminView {
  return { id, email, name, role };
}

/** An account as the agent list shows it: never its password hash. */
export class AgentView extends AdminView {
  @ApiProperty({
    description: 'A disabled account cannot sign in; its tokens stop working',
  })
  disabled: boolean;

  @ApiProperty({ description: 'ISO-8601 creation time' })
  createdAt: string;
}

export function toAgentView(record: AdminRecord): AgentView {
  return {
    id: record.id,
    email: record.email,
    name: record.name,
    role: record.role,
    disabled: record.disabled,
    createdAt: record.createdAt.toISOString(),
  };
}

export class LoginResult {
  @ApiProperty({
    description:
      'Send as `Authorization: Bearer <token>`, and as `auth: { token }` on /admin',
  })
  accessToken: string;

  @ApiProperty({ description: 'Lifetime of the token in seconds' })
  expiresIn: number;

  @ApiProperty({ type: AdminView })
  admin: AdminView;
}
