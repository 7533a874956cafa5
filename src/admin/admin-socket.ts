import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Socket } from 'socket.io';
import type { AdminActor } from '../auth/auth.service';

interface AdminSocketData {
  admin?: AdminActor;
}

export function setSocketAdmin(socket: Socket, admin: AdminActor): void {
  (socket.data as AdminSocketData).admin = admin;
}

/** The account behind a local or remote (other instance) admin socket. */
export function socketAdminId(socket: { data: unknown }): string | undefined {
  return (socket.data as AdminSocketData | undefined)?.admin?.adminId;
}

/** The agent behind an admin socket, authenticated during the handshake. */
export const SocketAdmin = createParamDecorator(
  (_: unknown, context: ExecutionContext): AdminActor =>
    (context.switchToWs().getClient<Socket>().data as AdminSocketData).admin!,
);

export function handshakeToken(socket: Socket): string | undefined {
  const token = (socket.handshake.auth as { token?: unknown } | undefined)
    ?.token;
  return typeof token === 'string' ? token : undefined;
}
