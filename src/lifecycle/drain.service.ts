import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Observable } from 'rxjs';
import { ANSWER_DEADLINE_MS } from '../common/answer-deadline';
import { AppError, ErrorCode } from '../common/errors';

/** In-flight answers have the answer deadline to finish; a little more covers sending them. */
const DRAIN_TIMEOUT_MS = ANSWER_DEADLINE_MS + 2000;

/**
 * The first step of a graceful shutdown (SIGTERM): stop taking new connections and new socket events,
 * then wait for the answers already in flight. Nest then closes the sockets (clients see a transport
 * close and reconnect, to another instance when there is one) and the HTTP server, and only then the
 * database, so every acknowledged message is committed.
 */
@Injectable()
export class DrainService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DrainService.name);
  private draining = false;
  private inFlight = 0;
  private onIdle?: () => void;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Counts `answer` as in flight from subscription until it completes or fails; once draining, answers
   * UNAVAILABLE instead, which the client retries after reconnecting.
   */
  track<T>(answer: Observable<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.draining) {
        subscriber.error(
          new AppError(
            ErrorCode.UNAVAILABLE,
            'The server is restarting; reconnect and try again',
          ),
        );
        return;
      }
      this.inFlight++;
      const subscription = answer.subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        this.settled();
      };
    });
  }

  /** Work that follows an answer (the fan-out of a committed message) and must end before the sockets close. */
  finishBeforeShutdown(work: Promise<unknown>): void {
    this.inFlight++;
    void work.then(
      () => this.settled(),
      () => this.settled(),
    );
  }

  private settled(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.onIdle?.();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    // Stop listening now; Nest closes the open connections once the drain is over.
    this.adapterHost.httpAdapter?.getHttpServer().close();
    if (this.inFlight === 0) return;
    this.logger.log(`Finishing ${this.inFlight} answers in flight`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn(
          `${this.inFlight} answers still in flight after ${DRAIN_TIMEOUT_MS} ms; closing anyway`,
        );
        resolve();
      }, DRAIN_TIMEOUT_MS);
      this.onIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
