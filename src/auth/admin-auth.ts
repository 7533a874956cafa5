import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { AdminRole } from '../common/actor';
import { AppError, ErrorCode } from '../common/errors';
import { type AdminActor, AuthService, toAdminActor } from './auth.service';

interface AdminRequest extends Request {
  admin?: AdminActor;
}

const REQUIRED_ROLE = 'requiredRole';

/** Limits a route to one role; routes without it are open to every signed-in agent. */
export const RequireRole = (role: AdminRole) =>
  SetMetadata(REQUIRED_ROLE, role);

export function bearerToken(header: string | undefined): string | undefined {
  const [scheme, token] = header?.split(' ') ?? [];
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

/** Requires `Authorization: Bearer <token>` of an active account (401), with the route's role (403). */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const admin = await this.auth.authenticate(
      bearerToken(request.headers.authorization),
    );
    const role = this.reflector.getAllAndOverride<AdminRole | undefined>(
      REQUIRED_ROLE,
      [context.getHandler(), context.getClass()],
    );
    if (role && admin.role !== role) {
      throw new AppError(
        ErrorCode.FORBIDDEN,
        `Only the ${role} role may do this`,
      );
    }
    request.admin = toAdminActor(admin);
    return true;
  }
}

/** The signed-in agent of a route guarded by AdminAuthGuard. */
export const CurrentAdmin = createParamDecorator(
  (_: unknown, context: ExecutionContext): AdminActor =>
    context.switchToHttp().getRequest<AdminRequest>().admin!,
);
