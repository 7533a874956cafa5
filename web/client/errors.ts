import type { ErrorBody, ErrorCode } from '../../src/common/errors';

/** Every refusal the server can answer with, plus what only a client can see: no answer in time. */
export type ChatErrorCode = `${ErrorCode}` | 'TIMEOUT';

/** A refused request: the server's code and message, or TIMEOUT when no answer came. */
export class ChatError extends Error {
  override readonly name = 'ChatError';

  constructor(
    readonly code: ChatErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  static from(body: ErrorBody): ChatError {
    return new ChatError(body.code, body.message, body.details);
  }

  /** How long the server asked to wait before trying again (RATE_LIMITED), if it said. */
  get retryAfterMs(): number | undefined {
    const value = this.details?.retryAfterMs;
    return typeof value === 'number' ? value : undefined;
  }
}
