import {
  Controller,
  Get,
  HttpStatus,
  Inject,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorFunction,
  HealthIndicatorService,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { ApiErrorResponses } from '../common/api-error.responses';
import type { Settings } from '../config/settings';
import { PrismaService } from '../prisma/prisma.service';
import { REDIS, type RedisService } from '../realtime/redis.service';

const DATABASE_CHECK_TIMEOUT_MS = 3000;
const REDIS_CHECK_TIMEOUT_MS = 2000;

class LivenessView {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly config: ConfigService<Settings, true>,
    @Inject(REDIS) private readonly redis: RedisService | null,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process is up' })
  @ApiOkResponse({ type: LivenessView })
  @ApiErrorResponses(500)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: the database answers, and Redis when REDIS_URL is set (the AI is reported, never required)',
  })
  @ApiOkResponse({
    description: 'Terminus result: status, info, error, details',
  })
  @ApiServiceUnavailableResponse({
    description: 'A required check is down (same shape)',
  })
  async ready(
    @Res({ passthrough: true }) response: Response,
  ): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () =>
          this.indicators
            .check('database')
            .attempt(() => this.prisma.ping())
            .withTimeout(DATABASE_CHECK_TIMEOUT_MS),
        ...this.redisCheck(),
        () =>
          this.indicators.check('ai').up({
            state:
              this.config.get('aiApiKeys', { infer: true }).length > 0
                ? 'configured'
                : 'disabled',
          }),
      ]);
    } catch (error) {
      // Terminus reports a failed check as a 503 whose body is the check result: keep its shape.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return error.getResponse() as HealthCheckResult;
    }
  }

  private redisCheck(): HealthIndicatorFunction[] {
    const redis = this.redis;
    if (!redis) return [];
    return [
      () =>
        this.indicators
          .check('redis')
          .attempt(() => redis.ping())
          .withTimeout(REDIS_CHECK_TIMEOUT_MS),
    ];
  }
}
