import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { bearerToken } from '../auth/admin-auth';
import { AppError, ErrorCode } from '../common/errors';
import type { Settings } from '../config/settings';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time; anything else is 401. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(config: ConfigService<Settings, true>) {
    // Settings refuse METRICS_ENABLED without a token, so this guard never runs without one.
    this.expected = digest(config.get('metricsToken', { infer: true }) ?? '');
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const token = bearerToken(http.getRequest<Request>().headers.authorization);
    if (token !== undefined && timingSafeEqual(digest(token), this.expected)) {
      return true;
    }
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
    throw new AppError(
      ErrorCode.UNAUTHORIZED,
      'A valid METRICS_TOKEN bearer token is required',
    );
  }
}
