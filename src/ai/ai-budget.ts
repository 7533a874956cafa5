import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CLOCK, type Clock } from '../common/clock';
import { TokenBucketLimiter } from '../common/token-bucket';
import type { Settings } from '../config/settings';
import { MessagesService } from '../messages/messages.service';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Which budget is spent, in words for the agents' `ai-error` and the log. */
export interface SpentBudget {
  setting:
    | 'AI_REPLIES_PER_SESSION'
    | 'AI_REPLIES_PER_HOUR_PER_IP'
    | 'AI_REPLIES_PER_DAY';
  message: string;
}

/**
 * What the AI may spend: replies per session and for the whole deployment in any 24 hours (counted in the
 * database, so they hold across restarts and instances), and replies per hour for the sessions of one
 * address (a token bucket in this process; the address is the one the session was opened from).
 */
@Injectable()
export class AiBudget {
  private readonly perAddress: TokenBucketLimiter;

  constructor(
    private readonly messages: MessagesService,
    private readonly config: ConfigService<Settings, true>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.perAddress = new TokenBucketLimiter(
      config.get('aiRepliesPerHourPerIp', { infer: true }),
      HOUR_MS,
      () => clock.now(),
    );
  }

  /**
   * Spends one reply for this session, or returns the budget that is spent (and spends nothing). Replies of
   * one session run one at a time, so its own count is exact; the deployment's may run over by the replies
   * that started at the same moment in other sessions.
   */
  async take(
    sessionId: string,
    address: string | null,
  ): Promise<SpentBudget | null> {
    const since = new Date(this.clock.now() - DAY_MS);
    const perSession = this.config.get('aiRepliesPerSession', { infer: true });
    if (
      (await this.messages.aiRepliesSince(since, perSession, sessionId)) >=
      perSession
    ) {
      return {
        setting: 'AI_REPLIES_PER_SESSION',
        message: `This conversation had its ${perSession} AI replies of the last 24 hours (AI_REPLIES_PER_SESSION)`,
      };
    }
    const perDay = this.config.get('aiRepliesPerDay', { infer: true });
    if ((await this.messages.aiRepliesSince(since, perDay)) >= perDay) {
      return {
        setting: 'AI_REPLIES_PER_DAY',
        message: `The assistant gave its ${perDay} replies of the last 24 hours (AI_REPLIES_PER_DAY)`,
      };
    }
    if (!this.perAddress.take(address ?? 'unknown').allowed) {
      const perHour = this.config.get('aiRepliesPerHourPerIp', {
        infer: true,
      });
      return {
        setting: 'AI_REPLIES_PER_HOUR_PER_IP',
        message: `The conversations of this visitor's address had their ${perHour} AI replies of the hour (AI_REPLIES_PER_HOUR_PER_IP)`,
      };
    }
    return null;
  }
}
