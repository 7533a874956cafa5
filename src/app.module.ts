import { type DynamicModule, Module } from '@nestjs/common';
import { AiModule } from './ai/ai.module';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { ClockModule } from './common/clock.module';
import { RateLimitsModule } from './common/rate-limits.module';
import { AppConfigModule } from './config/app-config.module';
import type { Settings } from './config/settings';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MessagesModule } from './messages/messages.module';
import { ObservabilityModule } from './observability/observability.module';
import { PrismaModule } from './prisma/prisma.module';
import { RealtimeModule } from './realtime/realtime.module';
import { SessionsModule } from './sessions/sessions.module';
import { WebModule } from './web/web.module';

@Module({})
export class AppModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(settings),
        ClockModule,
        PrismaModule,
        LifecycleModule,
        RealtimeModule,
        RateLimitsModule,
        MessagesModule,
        SessionsModule,
        AuthModule,
        AdminModule,
        HealthModule,
        AiModule,
        WebModule,
        ObservabilityModule.forRoot(settings),
      ],
    };
  }
}
