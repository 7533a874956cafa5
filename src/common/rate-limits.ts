import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  Logger,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import type { Socket } from 'socket.io';
import { ClientAddresses, requestAddress } from './client-address';
import type { Settings } from '../config/settings';
import { AppError, ErrorCode } from './errors';
import { type TakeResult, TokenBucketLimiter } from './token-bucket';

const MINUTE_MS = 60_000;

/** Refusals in a row after which a widget socket is considered abusive and disconnected. */
const ABUSE_DISCONNECT_AFTER = 100;

interface LimitedSocketData {
  refusalsInARow?: number;
}

function rateLimited(
  result: Extract<TakeResult, { allowed: false }>,
): AppError {
  return new AppError(ErrorCode.RATE_LIMITED, 'Too many requests; slow down', {
    retryAfterMs: result.retryAfterMs,
  });
}

/**
 * The request budgets of strangers, one implementation for both transports: widget events per socket
 * and per IP, widget connections per IP, and the public write routes per IP.
 */
@Injectable()
export class RateLimits {
  private readonly perSocket: TokenBucketLimiter;
  private readonly perIp: TokenBucketLimiter;
  private readonly httpWrites: TokenBucketLimiter;
  private readonly connectionsByIp = new Map<string, number>();
  private readonly logger = new Logger(RateLimits.name);

  constructor(
    private readonly config: ConfigService<Settings, true>,
    private readonly addresses: ClientAddresses,
  ) {
    this.perSocket = new TokenBucketLimiter(
      config.get('widgetEventsPerMinute', { infer: true }),
      MINUTE_MS,
    );
    this.perIp = new TokenBucketLimiter(
      config.get('widgetEventsPerMinutePerIp', { infer: true }),
      MINUTE_MS,
    );
    this.httpWrites = new TokenBucketLimiter(
      config.get('httpWritesPerMinutePerIp', { infer: true }),
      MINUTE_MS,
    );
  }

  /**
   * One widget event. The socket's own budget is checked first and a refusal there does not touch
   * its IP's budget, so one flooding tab cannot starve its neighbours.
   */
  takeWidgetEvent(socket: Socket): void {
    const own = this.perSocket.take(socket.id);
    const result = own.allowed ? this.perIp.take(this.addressOf(socket)) : own;
    const data = socket.data as LimitedSocketData;
    if (result.allowed) {
      data.refusalsInARow = 0;
      return;
    }
    data.refusalsInARow = (data.refusalsInARow ?? 0) + 1;
    if (data.refusalsInARow >= ABUSE_DISCONNECT_AFTER) {
      this.logger.warn(
        `Disconnecting a widget socket from ${this.addressOf(socket)} after sustained flooding`,
      );
      socket.disconnect(true);
    }
    throw rateLimited(result);
  }

  /** Returns false when the IP already has its maximum of open widget connections. */
  openConnection(socket: Socket): boolean {
    const address = this.addressOf(socket);
    const open = this.connectionsByIp.get(address) ?? 0;
    if (open >= this.config.get('maxConnectionsPerIp', { infer: true }))
      return false;
    this.connectionsByIp.set(address, open + 1);
    socket.once('disconnect', () => this.closeConnection(address, socket.id));
    return true;
  }

  takeHttpWrite(ipAddress: string | undefined): void {
    const result = this.httpWrites.take(ipAddress ?? 'unknown');
    if (!result.allowed) throw rateLimited(result);
  }

  private closeConnection(address: string, socketId: string): void {
    this.perSocket.reset(socketId);
    const open = (this.connectionsByIp.get(address) ?? 1) - 1;
    if (open <= 0) this.connectionsByIp.delete(address);
    else this.connectionsByIp.set(address, open);
  }

  private addressOf(socket: Socket): string {
    return this.addresses.ofSocket(socket) ?? 'unknown';
  }
}

/** Widget gateway guard: every event spends from the socket's and the IP's budgets. */
@Injectable()
export class WidgetRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimits) {}

  canActivate(context: ExecutionContext): boolean {
    this.limits.takeWidgetEvent(context.switchToWs().getClient<Socket>());
    return true;
  }
}

/** Guard for the public write routes (new sessions, messages). */
@Injectable()
export class HttpWriteRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimits) {}

  canActivate(context: ExecutionContext): boolean {
    this.limits.takeHttpWrite(
      requestAddress(context.switchToHttp().getRequest<Request>()),
    );
    return true;
  }
}
