import { Global, Module } from '@nestjs/common';
import {
  HttpWriteRateLimitGuard,
  RateLimits,
  WidgetRateLimitGuard,
} from './rate-limits';

@Global()
@Module({
  providers: [RateLimits, WidgetRateLimitGuard, HttpWriteRateLimitGuard],
  exports: [RateLimits, WidgetRateLimitGuard, HttpWriteRateLimitGuard],
})
export class RateLimitsModule {}
