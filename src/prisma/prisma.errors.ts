/**
 * The database could not be opened at start-up. The message is one line that says what is wrong and what to
 * do; entry points print it alone, without a stack trace, and exit non-zero.
 */
export class DatabaseStartError extends Error {
  override name = 'DatabaseStartError';
}

/** PostgreSQL did not accept a connection at start-up. */
export class DatabaseUnreachableError extends DatabaseStartError {
  override name = 'DatabaseUnreachableError';
}
