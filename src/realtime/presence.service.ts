import { Injectable } from '@nestjs/common';

/**
 * Which sessions have a widget socket connected. Kept in one service so that it can later be
 * shared across instances without touching its callers.
 */
@Injectable()
export class PresenceService {
  private readonly socketsBySession = new Map<string, Set<string>>();

  /** Returns true when this socket made the session active. */
  connect(sessionId: string, socketId: string): boolean {
    const sockets = this.socketsBySession.get(sessionId) ?? new Set<string>();
    const wasActive = sockets.size > 0;
    sockets.add(socketId);
    this.socketsBySession.set(sessionId, sockets);
    return !wasActive;
  }

  /** Returns true when this socket was the session's last one. */
  disconnect(sessionId: string, socketId: string): boolean {
    const sockets = this.socketsBySession.get(sessionId);
    if (!sockets?.delete(socketId)) return false;
    if (sockets.size > 0) return false;
    this.socketsBySession.delete(sessionId);
    return true;
  }

  isActive(sessionId: string): boolean {
    return this.socketsBySession.has(sessionId);
  }

  activeSessionIds(): string[] {
    return [...this.socketsBySession.keys()];
  }
}
