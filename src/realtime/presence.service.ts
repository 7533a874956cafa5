/**
 * Which sessions are live: have a widget socket connected, on any instance. Callers never know whether
 * the answer comes from this process alone (one instance) or from Redis (several, RedisPresenceService).
 */
export abstract class PresenceService {
  abstract connect(sessionId: string, socketId: string): Promise<void>;

  /** Resolves true when this socket was the session's last one on every instance. */
  abstract disconnect(sessionId: string, socketId: string): Promise<boolean>;

  abstract isActive(sessionId: string): Promise<boolean>;

  /** Those of the given sessions that are live. */
  abstract activeAmong(sessionIds: string[]): Promise<Set<string>>;

  abstract activeSessionIds(): Promise<string[]>;
}

/** This instance's widget sockets, by session. */
export class LocalSockets {
  private readonly socketsBySession = new Map<string, Set<string>>();

  /** Returns true when this socket made the session live here. */
  add(sessionId: string, socketId: string): boolean {
    const sockets = this.socketsBySession.get(sessionId) ?? new Set<string>();
    const wasActive = sockets.size > 0;
    sockets.add(socketId);
    this.socketsBySession.set(sessionId, sockets);
    return !wasActive;
  }

  /** Returns true when this socket was the session's last one here. */
  remove(sessionId: string, socketId: string): boolean {
    const sockets = this.socketsBySession.get(sessionId);
    if (!sockets?.delete(socketId)) return false;
    if (sockets.size > 0) return false;
    this.socketsBySession.delete(sessionId);
    return true;
  }

  has(sessionId: string): boolean {
    return this.socketsBySession.has(sessionId);
  }

  sessionIds(): string[] {
    return [...this.socketsBySession.keys()];
  }
}

/** One instance: its own sockets are the whole truth, and every answer is already known. */
export class InMemoryPresenceService extends PresenceService {
  private readonly local = new LocalSockets();

  async connect(sessionId: string, socketId: string): Promise<void> {
    this.local.add(sessionId, socketId);
  }

  async disconnect(sessionId: string, socketId: string): Promise<boolean> {
    return this.local.remove(sessionId, socketId);
  }

  async isActive(sessionId: string): Promise<boolean> {
    return this.local.has(sessionId);
  }

  async activeAmong(sessionIds: string[]): Promise<Set<string>> {
    return new Set(sessionIds.filter((id) => this.local.has(id)));
  }

  async activeSessionIds(): Promise<string[]> {
    return this.local.sessionIds();
  }
}
