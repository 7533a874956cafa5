import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { ClientAddresses } from '../common/client-address';
import { ErrorCode } from '../common/errors';
import { corsAnswer, isOriginAllowed } from '../common/origins';
import { type EngineConnection, RateLimits } from '../common/rate-limits';
import { DrainService } from '../lifecycle/drain.service';
import { SocketObserver } from '../observability/socket-observer';
import { REDIS, type RedisService } from './redis.service';

export interface SocketLimits {
  corsOrigins: string[];
  /** Frames over this size close the connection (Socket.IO's own rule). */
  maxHttpBufferSize: number;
}

/**
 * How long a connection may stay without joining a namespace (Socket.IO's default is 45 s). Above the 8 s
 * answer deadline, so an agent whose handshake waits on a slow database is answered, not cut off.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Socket.IO server options for both namespaces: frame size, the origin rule, the per-address cap on open
 * connections (counted at the engine, before any namespace), a short connect timeout, no new connections
 * while the server drains for shutdown, and with Redis, rooms and fan-out that span every instance.
 */
export class AppIoAdapter extends IoAdapter {
  private readonly drain: DrainService;
  private readonly redis: RedisService | null;
  private readonly observer: SocketObserver;
  private readonly rateLimits: RateLimits;
  private readonly addresses: ClientAddresses;

  constructor(
    app: INestApplicationContext,
    private readonly limits: SocketLimits,
  ) {
    super(app);
    this.drain = app.get(DrainService);
    this.redis = app.get<RedisService | null>(REDIS);
    this.observer = app.get(SocketObserver);
    this.rateLimits = app.get(RateLimits);
    this.addresses = app.get(ClientAddresses);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { corsOrigins, maxHttpBufferSize } = this.limits;
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize,
      connectTimeout: CONNECT_TIMEOUT_MS,
      cors: corsAnswer(corsOrigins),
      allowRequest: (request, callback) => {
        if (this.drain.isDraining) return callback('Server restarting', false);
        this.addresses.noticeForwarding(request);
        if (
          !isOriginAllowed(
            request.headers.origin,
            corsOrigins,
            request.headers.host,
          )
        )
          return callback('Origin not allowed', false);
        if (!this.rateLimits.admitHandshake(request))
          return callback(ErrorCode.RATE_LIMITED, false);
        callback(null, true);
      },
    } as ServerOptions) as Server;
    server.engine.on('connection', (connection: EngineConnection) =>
      this.rateLimits.engineConnectionOpened(connection),
    );
    if (this.redis) server.adapter(this.redis.socketIoAdapter());
    this.observer.observe(server);
    return server;
  }
}
