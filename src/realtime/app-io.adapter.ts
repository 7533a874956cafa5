import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { isOriginAllowed } from '../common/origins';

export interface SocketLimits {
  corsOrigins: string[];
  /** Frames over this size close the connection (Socket.IO's own rule). */
  maxHttpBufferSize: number;
}

/** Socket.IO server options for both namespaces: frame size and the origin rule. */
export class AppIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly limits: SocketLimits,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { corsOrigins, maxHttpBufferSize } = this.limits;
    return super.createIOServer(port, {
      ...options,
      maxHttpBufferSize,
      cors: {
        origin: corsOrigins.includes('*') ? true : corsOrigins,
        credentials: true,
      },
      allowRequest: (request, callback) =>
        callback(
          isOriginAllowed(
            request.headers.origin,
            corsOrigins,
            request.headers.host,
          )
            ? null
            : 'Origin not allowed',
          isOriginAllowed(
            request.headers.origin,
            corsOrigins,
            request.headers.host,
          ),
        ),
    } as ServerOptions) as Server;
  }
}
