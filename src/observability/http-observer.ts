import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { METRICS } from './metrics.token';
import type { MetricsService } from './metrics.service';
import {
  correlationIdFrom,
  REQUEST_ID_HEADER,
  type RequestContext,
  runInContext,
  sessionIdFrom,
} from './request-context';

/**
 * The first middleware of every HTTP request: takes the caller's X-Request-Id when it is a plausible one (or
 * makes one), echoes it in the response, and runs the request in that context so that every line logged
 * for it carries the id and the session id. With metrics on, error answers are counted by code.
 */
@Injectable()
export class HttpObserver {
  private readonly logger = new Logger('Http');

  constructor(
    @Inject(METRICS) private readonly metrics: MetricsService | null,
  ) {}

  readonly middleware = (
    request: Request,
    response: Response,
    next: NextFunction,
  ): void => {
    const correlationId = correlationIdFrom(request.headers['x-request-id']);
    response.setHeader(REQUEST_ID_HEADER, correlationId);
    const context: RequestContext = {
      correlationId,
      // Known once the route matched (params) and the body was parsed: by the time anything is logged.
      sessionId: () =>
        sessionIdFrom(
          request.params?.sessionId ??
            (request.body as { sessionId?: unknown } | undefined)?.sessionId,
        ),
    };
    const debug = Logger.isLevelEnabled('debug');
    if (this.metrics || debug) {
      const startedAt = performance.now();
      response.once('finish', () => {
        this.metrics?.httpAnswered(response.statusCode);
        if (debug) {
          runInContext(context, () =>
            this.logger.debug(
              `${request.method} ${request.originalUrl.split('?')[0]} ${response.statusCode} ${(performance.now() - startedAt).toFixed(1)} ms`,
            ),
          );
        }
      });
    }
    runInContext(context, next);
  };
}
