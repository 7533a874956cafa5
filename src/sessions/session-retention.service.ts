import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Subject } from 'rxjs';
import { CLOCK, type Clock } from '../common/clock';
import type { Settings } from '../config/settings';
import { SessionAdminService } from './session-admin.service';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How often the retention job runs and how much one run may erase. */
export interface RetentionSchedule {
  /** Between runs while nothing is waiting. */
  intervalMs: number;
  /** Between runs while a backlog is worked off (the last run erased a full batch). */
  backlogIntervalMs: number;
  /** Sessions one run erases at most, each with all its messages (up to SESSION_MAX_MESSAGES and replies). */
  batchSize: number;
}

export const RETENTION_SCHEDULE = Symbol('RETENTION_SCHEDULE');

export const DEFAULT_RETENTION_SCHEDULE: RetentionSchedule = {
  intervalMs: 10 * 60 * 1000,
  backlogIntervalMs: 1000,
  batchSize: 25,
};

/**
 * With RETENTION_DAYS set, erases resolved conversations that nobody touched for that many days. Each run
 * is one bounded statement, so a large backlog is worked off in small steps between requests instead of
 * one long one (on the embedded database a long statement stalls the whole process).
 */
@Injectable()
export class SessionRetentionService
  implements OnApplicationBootstrap, OnModuleDestroy
{
  /** The ids each finished run erased (empty when there was nothing to erase). */
  readonly runs$ = new Subject<string[]>();

  private readonly logger = new Logger(SessionRetentionService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly sessionAdmin: SessionAdminService,
    private readonly config: ConfigService<Settings, true>,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RETENTION_SCHEDULE) private readonly schedule: RetentionSchedule,
  ) {}

  onApplicationBootstrap(): void {
    const days = this.config.get('retentionDays', { infer: true });
    if (days === undefined) return;
    this.logger.log(
      `Resolved conversations are erased ${days} day(s) after their last change (RETENTION_DAYS)`,
    );
    this.next(this.schedule.backlogIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private next(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.run().finally(() => (this.running = undefined));
    }, delayMs);
    this.timer.unref();
  }

  /** Never rejects: a failed run (the database away) is logged and tried again at the next interval. */
  private async run(): Promise<void> {
    const days = this.config.get('retentionDays', { infer: true })!;
    const cutoff = new Date(this.clock.now() - days * DAY_MS);
    let delayMs = this.schedule.intervalMs;
    try {
      const erased = await this.sessionAdmin.eraseResolvedBefore(
        cutoff,
        this.schedule.batchSize,
      );
      if (erased.length > 0) {
        this.logger.log(
          `Erased ${erased.length} resolved conversation(s) older than ${days} day(s)`,
        );
      }
      if (erased.length >= this.schedule.batchSize) {
        delayMs = this.schedule.backlogIntervalMs;
      }
      this.runs$.next(erased);
    } catch (error) {
      this.logger.warn(
        `Erasing expired conversations failed: ${(error as Error).message}`,
      );
    }
    this.next(delayMs);
  }
}
