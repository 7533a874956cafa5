import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CLOCK, type Clock } from '../common/clock';
import { AppError, ErrorCode } from '../common/errors';
import { type TakeResult, TokenBucketLimiter } from '../common/token-bucket';
import type { Settings } from '../config/settings';

const MINUTE_MS = 60_000;

/**
 * Reads of message history: up to 200 messages of up to 4000 characters each per read, so an unlimited
 * reader can pull hundreds of megabytes a minute. Visitors' reads (REST and the widget's `sync`) share one
 * budget per address; each agent account has its own, larger one.
 */
@Injectable()
export class HistoryReadBudget {
  private readonly perAddress: TokenBucketLimiter;
  private readonly perAgent: TokenBucketLimiter;

  constructor(
    config: ConfigService<Settings, true>,
    @Inject(CLOCK) clock: Clock,
  ) {
    const now = () => clock.now();
    this.perAddress = new TokenBucketLimiter(
      config.get('historyReadsPerMinutePerIp', { infer: true }),
      MINUTE_MS,
      now,
    );
    this.perAgent = new TokenBucketLimiter(
      config.get('historyReadsPerMinutePerAgent', { infer: true }),
      MINUTE_MS,
      now,
    );
  }

  /** One visitor read from this address, or RATE_LIMITED. */
  takeVisitorRead(address: string | undefined): void {
    refuseWhenSpent(this.perAddress.take(address ?? 'unknown'));
  }

  /** One read by this agent account, or RATE_LIMITED. */
  takeAgentRead(adminId: string): void {
    refuseWhenSpent(this.perAgent.take(adminId));
  }
}

function refuseWhenSpent(result: TakeResult): void {
  if (result.allowed) return;
  throw new AppError(
    ErrorCode.RATE_LIMITED,
    'Too many history reads; slow down',
    { retryAfterMs: result.retryAfterMs },
  );
}
