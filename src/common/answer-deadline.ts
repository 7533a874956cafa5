import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import { type MonoTypeOperatorFunction, Observable } from 'rxjs';
import { unavailableError } from './error-mapping';

/**
 * The longest any socket event or HTTP request waits for its answer. It sits just above the database's
 * own timeouts, so it only fires when the database stalls: the caller then gets UNAVAILABLE and may retry
 * (with its clientMessageId, a retry never stores a message twice).
 */
export const ANSWER_DEADLINE_MS = 8000;

/** Fails the answer with UNAVAILABLE unless it arrives within ANSWER_DEADLINE_MS (one plain timer). */
export function withinAnswerDeadline<T>(): MonoTypeOperatorFunction<T> {
  return (answer) =>
    new Observable<T>((subscriber) => {
      const timer = setTimeout(
        () => subscriber.error(unavailableError()),
        ANSWER_DEADLINE_MS,
      );
      const subscription = answer.subscribe(subscriber);
      return () => {
        clearTimeout(timer);
        subscription.unsubscribe();
      };
    });
}

/** Applies the answer deadline to HTTP requests (socket acks apply it in AckInterceptor). */
@Injectable()
export class AnswerDeadlineInterceptor implements NestInterceptor {
  intercept(
    _context: ExecutionContext,
    next: CallHandler,
  ): Observable<unknown> {
    return next.handle().pipe(withinAnswerDeadline());
  }
}
