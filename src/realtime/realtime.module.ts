import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Settings } from '../config/settings';
import { ChatEventsPublisher } from './chat-events.publisher';
import { InMemoryPresenceService, PresenceService } from './presence.service';
import {
  DEFAULT_PRESENCE_LEASE_MS,
  PRESENCE_LEASE_MS,
  RedisPresenceService,
} from './redis-presence.service';
import {
  REDIS,
  REDIS_KEY_PREFIX,
  redisKeyPrefixFor,
  RedisService,
} from './redis.service';

/** With REDIS_URL, presence and fan-out span every instance on that Redis; without it, this process only. */
@Global()
@Module({
  providers: [
    ChatEventsPublisher,
    { provide: PRESENCE_LEASE_MS, useValue: DEFAULT_PRESENCE_LEASE_MS },
    {
      provide: REDIS_KEY_PREFIX,
      useFactory: (config: ConfigService<Settings, true>) =>
        redisKeyPrefixFor(config.get('redisUrl', { infer: true })),
      inject: [ConfigService],
    },
    {
      provide: REDIS,
      useFactory: (
        config: ConfigService<Settings, true>,
        keyPrefix: string,
      ) => {
        const url = config.get('redisUrl', { infer: true });
        return url ? new RedisService(url, keyPrefix) : null;
      },
      inject: [ConfigService, REDIS_KEY_PREFIX],
    },
    {
      provide: PresenceService,
      useFactory: (redis: RedisService | null, leaseMs: number) =>
        redis
          ? new RedisPresenceService(redis, leaseMs)
          : new InMemoryPresenceService(),
      inject: [REDIS, PRESENCE_LEASE_MS],
    },
  ],
  exports: [ChatEventsPublisher, PresenceService, REDIS],
})
export class RealtimeModule {}
