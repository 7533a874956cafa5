import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AiModule } from '../ai/ai.module';
import type { Settings } from '../config/settings';
import { MessagesModule } from '../messages/messages.module';
import { HttpObserver } from './http-observer';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { MetricsTokenGuard } from './metrics-token.guard';
import { METRICS } from './metrics.token';
import { SocketObserver } from './socket-observer';

/**
 * Request contexts for the logs, always; metrics only with METRICS_ENABLED, so that without them nothing is
 * counted, nothing listens and /metrics does not exist (404).
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(settings: Pick<Settings, 'metricsEnabled'>): DynamicModule {
    const observers = [HttpObserver, SocketObserver];
    if (!settings.metricsEnabled) {
      return {
        module: ObservabilityModule,
        providers: [...observers, { provide: METRICS, useValue: null }],
        exports: observers,
      };
    }
    return {
      module: ObservabilityModule,
      imports: [MessagesModule, AiModule],
      controllers: [MetricsController],
      providers: [
        ...observers,
        MetricsService,
        MetricsTokenGuard,
        { provide: METRICS, useExisting: MetricsService },
      ],
      exports: observers,
    };
  }
}
