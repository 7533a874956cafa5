import type { Server } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AnswerDeadlineInterceptor } from './common/answer-deadline';
import { ClientAddresses } from './common/client-address';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { ErrorCode, httpStatusOf } from './common/errors';
import { corsAnswer, isOriginAllowed } from './common/origins';
import { DtoValidationPipe } from './common/validation';
import type { Settings } from './config/settings';
import { HttpObserver } from './observability/http-observer';
import { AppIoAdapter } from './realtime/app-io.adapter';
import {
  ASYNCAPI_PATH,
  serveAsyncApiDocument,
} from './realtime/asyncapi.document';
import { serveWebPages } from './web/web-pages';

/** Room for the JSON around a message: ids, field names, escapes. */
const ENVELOPE_BYTES = 16 * 1024;

/** A client gets this long to send a request's headers (Node's default is 60 s), */
export const HEADERS_TIMEOUT_MS = 10_000;
/** and this long for the whole request (bodies are at most a few dozen KiB; Node's default is 300 s). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** How often Node looks for requests past those times (30 s by default, which would add up to 30 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** Largest body or frame a valid request can need: every character can take 4 bytes in UTF-8. */
export function maxPayloadBytes(settings: Settings): number {
  return settings.messageMaxLength * 4 + ENVELOPE_BYTES;
}

/** Everything main.ts and the tests both need, so tests run the app exactly as it is served. */
export function configureApp(
  app: NestExpressApplication,
  settings: Settings,
): void {
  limitSlowClients(app);
  app.use(app.get(HttpObserver).middleware);
  const addresses = app.get(ClientAddresses);
  app.set('trust proxy', addresses.trust);
  app.use((request: Request, _: Response, next: NextFunction) => {
    addresses.noticeForwarding(request);
    next();
  });
  // The API answers JSON and the OpenAPI UI needs inline code; the served pages set their own policy.
  app.use(helmet({ contentSecurityPolicy: false }));
  app.use(refuseForeignOrigins(settings.corsOrigins));
  serveWebPages(app);
  app.enableCors(corsAnswer(settings.corsOrigins));
  app.useBodyParser('json', { limit: maxPayloadBytes(settings) });
  app.useGlobalPipes(new DtoValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalInterceptors(new AnswerDeadlineInterceptor());
  app.useWebSocketAdapter(
    new AppIoAdapter(app, {
      corsOrigins: settings.corsOrigins,
      maxHttpBufferSize: maxPayloadBytes(settings),
    }),
  );
  setUpOpenApi(app);
}

/**
 * A connection that trickles its request in (slowloris) is answered 408 and closed after these times,
 * instead of being held for a minute or more. Nest creates the server without options, so the check
 * interval (a `createServer` option) is set as the property Node reads when the server starts listening.
 */
function limitSlowClients(app: NestExpressApplication): void {
  const server = app.getHttpServer() as Server & {
    connectionsCheckingInterval: number;
  };
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.connectionsCheckingInterval = TIMEOUT_CHECK_INTERVAL_MS;
}

function refuseForeignOrigins(allowedOrigins: string[]) {
  return (request: Request, response: Response, next: NextFunction) => {
    if (
      isOriginAllowed(
        request.headers.origin,
        allowedOrigins,
        request.headers.host,
      )
    )
      return next();
    const statusCode = httpStatusOf(ErrorCode.FORBIDDEN);
    response.status(statusCode).json({
      statusCode,
      code: ErrorCode.FORBIDDEN,
      message: 'This origin is not allowed (CORS_ORIGINS)',
    });
  };
}

function setUpOpenApi(app: NestExpressApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Chat backend')
    .setDescription(
      'REST side of the chat backend. The real-time side (Socket.IO namespaces `/` and `/admin`) is described in docs/EVENTS.md, and as an AsyncAPI 3 document at ' +
        `${ASYNCAPI_PATH}. Every error has the shape \`{ statusCode, code, message, details? }\`.`,
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
  });
  serveAsyncApiDocument(app);
}
