import { Global, Module } from '@nestjs/common';
import { ClientAddresses } from './client-address';
import { HttpWriteRateLimitGuard, RateLimits } from './rate-limits';

@Global()
@Module({
  providers: [ClientAddresses, RateLimits, HttpWriteRateLimitGuard],
  exports: [ClientAddresses, RateLimits, HttpWriteRateLimitGuard],
})
export class RateLimitsModule {}
