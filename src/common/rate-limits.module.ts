import { Global, Module } from '@nestjs/common';
import { ClientAddresses } from './client-address';
import {
  HttpWriteRateLimitGuard,
  RateLimits,
  WidgetRateLimitGuard,
} from './rate-limits';

@Global()
@Module({
  providers: [
    ClientAddresses,
    RateLimits,
    WidgetRateLimitGuard,
    HttpWriteRateLimitGuard,
  ],
  exports: [
    ClientAddresses,
    RateLimits,
    WidgetRateLimitGuard,
    HttpWriteRateLimitGuard,
  ],
})
export class RateLimitsModule {}
