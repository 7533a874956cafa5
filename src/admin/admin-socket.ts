import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Socket } from 'socket.io';
import {
  type AdminActor,
  TOKEN_REJECTIONS,
  type TokenRejection,
} from '../auth/auth.service';
import { AppError, ErrorCode } from '../common/errors';

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

/** What a refused `/admin` client gets as `connect_error`: the contract's message, and why in `data`. */
export type HandshakeRefusal = Error & { data?: { reason: TokenRejection } };

export function handshakeRefusal(error: unknown): HandshakeRefusal {
  const refusal: HandshakeRefusal = new Error(ErrorCode.UNAUTHORIZED);
  const reason = error instanceof AppError ? error.details?.reason : undefined;
  if (isTokenRejection(reason)) refusal.data = { reason };
  return refusal;
}

function isTokenRejection(value: unknown): value is TokenRejection {
  return (TOKEN_REJECTIONS as readonly unknown[]).includes(value);
}
