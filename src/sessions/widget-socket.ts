import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Socket } from 'socket.io';
import type { Actor } from '../common/actor';
import type { ClientAddresses } from '../common/client-address';
import type { ClientInfo } from './sessions.service';

interface WidgetSocketData {
  sessionIds?: Set<string>;
}

/** The sessions this widget socket initialised: its only credentials. */
export function boundSessionIds(socket: Socket): Set<string> {
  const data = socket.data as WidgetSocketData;
  data.sessionIds ??= new Set<string>();
  return data.sessionIds;
}

/** The calling widget socket as an Actor. */
export const WidgetActor = createParamDecorator(
  (_: unknown, context: ExecutionContext): Actor => {
    const socket = context.switchToWs().getClient<Socket>();
    return {
      kind: 'widget',
      socketId: socket.id,
      sessionIds: boundSessionIds(socket),
    };
  },
);

export function clientInfoOf(
  socket: Socket,
  addresses: ClientAddresses,
): ClientInfo {
  return {
    ipAddress: addresses.ofSocket(socket),
    userAgent: socket.handshake.headers['user-agent'] || undefined,
  };
}
