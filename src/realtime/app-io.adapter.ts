import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { ClientAddresses } from '../common/client-address';
import { corsAnswer, isOriginAllowed } from '../common/origins';
import { DrainService } from '../lifecycle/drain.service';
import { SocketObserver } from '../observability/socket-observer';
import { REDIS, type RedisService } from './redis.service';

export interface SocketLimits {
  corsOrigins: string[];
  /** Frames over this size close the connection (Socket.IO's own rule). */
  maxHttpBufferSize: number;
}

/**
 * Socket.IO server options for both namespaces: frame size, the origin rule, no new connections while
 * the server drains for shutdown, and with Redis, rooms and fan-out that span every instance.
 */
export class AppIoAdapter extends IoAdapter {
  private readonly drain: DrainService;
  private readonly redis: RedisService | null;
  private readonly observer: SocketObserver;
  private readonly addresses: ClientAddresses;

  constructor(
    app: INestApplicationContext,
    private readonly limits: SocketLimits,
  ) {
    super(app);
    this.drain = app.get(DrainService);
    this.redis = app.get<RedisService | null>(REDIS);
    this.observer = app.get(SocketObserver);
    this.addresses = app.get(ClientAddresses);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { corsOrigins, maxHttpBufferSize } = this.limits;
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize,
      cors: corsAnswer(corsOrigins),
      allowRequest: (request, callback) => {
        if (this.drain.isDraining) return callback('Server restarting', false);
        this.addresses.noticeForwarding(request);
        const allowed = isOriginAllowed(
          request.headers.origin,
          corsOrigins,
          request.headers.host,
        );
        callback(allowed ? null : 'Origin not allowed', allowed);
      },
    } as ServerOptions) as Server;
    if (this.redis) server.adapter(this.redis.socketIoAdapter());
    this.observer.observe(server);
    return server;
  }
}
