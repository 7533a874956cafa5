import { randomUUID } from 'node:crypto';
import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { LocalSockets, PresenceService } from './presence.service';
import type { RedisService } from './redis.service';

/** How long an instance's sessions stay live in Redis without a renewal; renewed every third of it. */
export const PRESENCE_LEASE_MS = Symbol('PRESENCE_LEASE_MS');
export const DEFAULT_PRESENCE_LEASE_MS = 30_000;

/** KEYS: instances, own sessions. ARGV: instance id, lease, 'replace' or 'add', session ids… */
const STORE_SESSIONS = `
if ARGV[3] == 'replace' then redis.call('DEL', KEYS[2]) end
for i = 4, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
if #ARGV >= 4 then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[1], ARGV[1])
end
return 1`;

/** KEYS: instances, own sessions. ARGV: sessions key prefix, session id. 1 when no instance has it any more. */
const LEAVE_SESSION = `
redis.call('SREM', KEYS[2], ARGV[2])
for _, instance in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('SISMEMBER', ARGV[1] .. instance, ARGV[2]) == 1 then return 0 end
end
return 1`;

/** KEYS: instances. ARGV: sessions key prefix, session ids… One flag per id; forgets instances whose lease ran out. */
const ACTIVE_AMONG = `
local live = {}
for i = 2, #ARGV do live[i - 1] = 0 end
for _, instance in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local sessions = ARGV[1] .. instance
  if redis.call('EXISTS', sessions) == 0 then
    redis.call('SREM', KEYS[1], instance)
  else
    for i = 2, #ARGV do
      if live[i - 1] == 0 and redis.call('SISMEMBER', sessions, ARGV[i]) == 1 then live[i - 1] = 1 end
    end
  end
end
return live`;

/** KEYS: instances. ARGV: sessions key prefix. Every live session; forgets instances whose lease ran out. */
const LIVE_SESSIONS = `
local keys = {}
for _, instance in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local sessions = ARGV[1] .. instance
  if redis.call('EXISTS', sessions) == 0 then
    redis.call('SREM', KEYS[1], instance)
  else
    keys[#keys + 1] = sessions
  end
end
if #keys == 0 then return {} end
return redis.call('SUNION', unpack(keys))`;

/**
 * Presence shared by every instance. Each instance keeps its live sessions in the set
 * `<prefix>:presence:instance:<id>`, which expires unless the instance renews it every third of the lease,
 * so the sessions of an instance that dies stop being live within one lease; `<prefix>:presence:instances`
 * lists the instances that may have some. Only sessions with no socket on this instance cost a Redis round
 * trip, and when Redis does not answer, this instance's own sockets are the answer.
 */
export class RedisPresenceService
  extends PresenceService
  implements OnModuleInit, OnApplicationShutdown
{
  private readonly logger = new Logger(RedisPresenceService.name);
  private readonly local = new LocalSockets();
  private readonly instanceId = randomUUID();
  private readonly instancesKey: string;
  private readonly sessionsKeyPrefix: string;
  private readonly ownSessionsKey: string;
  /** Redis may have missed a change of ours: the next renewal rewrites our whole set. */
  private stale = false;
  private renewal?: NodeJS.Timeout;
  private reconnections?: Subscription;

  constructor(
    private readonly redis: RedisService,
    private readonly leaseMs: number,
  ) {
    super();
    this.instancesKey = redis.key('presence', 'instances');
    this.sessionsKeyPrefix = redis.key('presence', 'instance', '');
    this.ownSessionsKey = this.sessionsKeyPrefix + this.instanceId;
  }

  onModuleInit(): void {
    this.reconnections = this.redis.ready$.subscribe(() => {
      this.stale = true;
      void this.renew();
    });
    this.renewal = setInterval(() => void this.renew(), this.leaseMs / 3);
    this.renewal.unref();
  }

  /** After the sockets have closed: this instance's sessions stop being live at once, not after the lease. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.renewal);
    this.reconnections?.unsubscribe();
    await Promise.all([
      this.redis.run((client) => client.del(this.ownSessionsKey)),
      this.redis.run((client) =>
        client.sRem(this.instancesKey, this.instanceId),
      ),
    ]).catch((error: Error) =>
      this.logger.debug(
        `Presence not removed from Redis (${error.message}); it ends with the lease`,
      ),
    );
  }

  async connect(sessionId: string, socketId: string): Promise<void> {
    if (!this.local.add(sessionId, socketId)) return;
    await this.store('add', [sessionId]).catch((error: Error) =>
      this.markStale(error),
    );
  }

  async disconnect(sessionId: string, socketId: string): Promise<boolean> {
    if (!this.local.remove(sessionId, socketId)) return false;
    try {
      const goneEverywhere = await this.redis.run((client) =>
        client.eval(LEAVE_SESSION, {
          keys: [this.instancesKey, this.ownSessionsKey],
          arguments: [this.sessionsKeyPrefix, sessionId],
        }),
      );
      return goneEverywhere === 1;
    } catch (error) {
      this.markStale(error as Error);
      return true;
    }
  }

  async isActive(sessionId: string): Promise<boolean> {
    if (this.local.has(sessionId)) return true;
    return (await this.activeAmong([sessionId])).has(sessionId);
  }

  async activeAmong(sessionIds: string[]): Promise<Set<string>> {
    const live = new Set(sessionIds.filter((id) => this.local.has(id)));
    const elsewhere = sessionIds.filter((id) => !live.has(id));
    if (elsewhere.length === 0) return live;
    try {
      const flags = (await this.redis.run((client) =>
        client.eval(ACTIVE_AMONG, {
          keys: [this.instancesKey],
          arguments: [this.sessionsKeyPrefix, ...elsewhere],
        }),
      )) as number[];
      elsewhere.forEach((id, index) => {
        if (flags[index] === 1) live.add(id);
      });
    } catch (error) {
      this.logger.debug(
        `Presence of other instances unknown: ${(error as Error).message}`,
      );
    }
    return live;
  }

  async activeSessionIds(): Promise<string[]> {
    const live = new Set(this.local.sessionIds());
    try {
      const everywhere = (await this.redis.run((client) =>
        client.eval(LIVE_SESSIONS, {
          keys: [this.instancesKey],
          arguments: [this.sessionsKeyPrefix],
        }),
      )) as string[];
      for (const sessionId of everywhere) live.add(sessionId);
    } catch (error) {
      this.logger.debug(
        `Presence of other instances unknown: ${(error as Error).message}`,
      );
    }
    return [...live];
  }

  private async renew(): Promise<void> {
    try {
      if (!this.stale) {
        const renewed = await this.redis.run((client) =>
          client.pExpire(this.ownSessionsKey, this.leaseMs),
        );
        if (renewed === 1 || this.local.sessionIds().length === 0) return;
      }
      // Captured now: a change that fails while this write is under way marks the set stale again.
      this.stale = false;
      await this.store('replace', this.local.sessionIds());
    } catch (error) {
      this.markStale(error as Error);
    }
  }

  private store(
    mode: 'add' | 'replace',
    sessionIds: string[],
  ): Promise<unknown> {
    return this.redis.run((client) =>
      client.eval(STORE_SESSIONS, {
        keys: [this.instancesKey, this.ownSessionsKey],
        arguments: [this.instanceId, String(this.leaseMs), mode, ...sessionIds],
      }),
    );
  }

  private markStale(error: Error): void {
    this.stale = true;
    this.logger.debug(
      `Presence not written to Redis (${error.message}); the next renewal rewrites it`,
    );
  }
}
