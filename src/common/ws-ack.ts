import {
  ArgumentsHost,
  CallHandler,
  Catch,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  WsExceptionFilter,
} from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import type { Socket } from 'socket.io';
import { AppError, ErrorCode } from './errors';
import type { Ack } from '../realtime/ack';
import { WidgetServerEvent } from '../realtime/widget.events';
import { toAppError } from './error-mapping';
import { withinAnswerDeadline } from './answer-deadline';
import { DrainService } from '../lifecycle/drain.service';

/**
 * Wraps a handler's result into the contract's success ack (handlers return only their data), answering
 * UNAVAILABLE instead when the handler outlives the answer deadline or the server is shutting down.
 */
@Injectable()
export class AckInterceptor implements NestInterceptor {
  constructor(private readonly drain: DrainService) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<Ack> {
    return this.drain.track(
      next.handle().pipe(
        withinAnswerDeadline(),
        map((data: object | undefined) => ({ ok: true, ...data })),
      ),
    );
  }
}

/**
 * Answers a failed socket event exactly once: in its ack when the client sent a callback, otherwise as an
 * `error` event on that socket. Nothing thrown ever reaches the client unshaped.
 */
@Catch()
export class WsAckExceptionFilter implements WsExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const args = host.getArgs<unknown[]>();
    const client = args[0] as Socket;
    // Nest passes (socket, payload, ack?, pattern): the ack is the only function after the socket.
    const ack = args.slice(1).find((arg) => typeof arg === 'function');
    const error = toAppError(exception).toBody();
    if (typeof ack === 'function') {
      (ack as (reply: Ack) => void)({ ok: false, error });
      return;
    }
    client.emit(WidgetServerEvent.Error, {
      event: host.switchToWs().getPattern(),
      code: error.code,
      message: error.message,
    });
  }
}

/**
 * Answers events this namespace does not serve instead of leaving the caller waiting for an ack:
 * `FORBIDDEN` for the other namespace's events (an admin event sent by a widget), `VALIDATION_FAILED`
 * for names nobody serves.
 */
export function refuseUnknownEvents(
  socket: Socket,
  served: ReadonlySet<string>,
  forbidden: ReadonlySet<string>,
): void {
  socket.use(([event, ...args], next) => {
    if (served.has(event)) return next();
    answerRefusal(
      socket,
      [event, ...args],
      forbidden.has(event)
        ? new AppError(
            ErrorCode.FORBIDDEN,
            `${event} is not available on this namespace`,
          )
        : new AppError(ErrorCode.VALIDATION_FAILED, `Unknown event ${event}`),
    );
  });
}

/**
 * Answers an event that socket middleware stops before any handler: in its ack when it has one (the last
 * argument), otherwise as an `error` event, as WsAckExceptionFilter does for handlers.
 */
export function answerRefusal(
  socket: Socket,
  [event, ...args]: unknown[],
  error: AppError,
): void {
  const ack = args.at(-1);
  if (typeof ack === 'function') {
    (ack as (reply: Ack) => void)({ ok: false, error: error.toBody() });
  } else {
    socket.emit(WidgetServerEvent.Error, {
      event: String(event),
      code: error.code,
      message: error.message,
    });
  }
}
