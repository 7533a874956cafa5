import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What a log line written while handling one HTTP request or one socket event says about it. */
export interface RequestContext {
  readonly correlationId: string;
  /** Read only when a line is written, so the hot path never pays for finding it. */
  sessionId(): string | undefined;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** X-Request-Id values taken from a client or a proxy; anything else gets a fresh id. */
const VALID_CORRELATION_ID = /^[A-Za-z0-9._:+/=-]{1,128}$/;
/** Session ids are UUIDs; a client's claim that looks like anything else is not repeated in the logs. */
const VALID_SESSION_ID = /^[A-Za-z0-9-]{1,64}$/;

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Runs `work` (and everything it starts) as part of this request or event. */
export function runInContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/** The request or socket event the caller is working for, if any. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The caller's id when it is a plausible one (a proxy's or a client's X-Request-Id), else a new one. */
export function correlationIdFrom(claimed: unknown): string {
  return typeof claimed === 'string' && VALID_CORRELATION_ID.test(claimed)
    ? claimed
    : randomUUID();
}

/** A session id worth logging, read from a route parameter or a payload field. */
export function sessionIdFrom(value: unknown): string | undefined {
  return typeof value === 'string' && VALID_SESSION_ID.test(value)
    ? value
    : undefined;
}
