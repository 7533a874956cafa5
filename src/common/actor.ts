import { AppError, ErrorCode } from './errors';

export type AdminRole = 'admin' | 'agent';

/** Who is calling a service method; services decide what each kind of caller may do. */
export type Actor =
  /** A widget socket: it may touch only the sessions it initialised. */
  | { kind: 'widget'; socketId: string; sessionIds: ReadonlySet<string> }
  /** A visitor over REST: the session id is the credential, as in the seed. */
  | { kind: 'visitor' }
  | { kind: 'admin'; adminId: string; role: AdminRole; socketId?: string };

export function assertSessionAccess(actor: Actor, sessionId: string): void {
  if (actor.kind === 'widget' && !actor.sessionIds.has(sessionId)) {
    throw new AppError(
      ErrorCode.FORBIDDEN,
      'This socket has not initialised that session; send init_session first',
    );
  }
}

export function socketIdOf(actor: Actor): string | undefined {
  return actor.kind === 'visitor' ? undefined : actor.socketId;
}
