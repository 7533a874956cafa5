/**
 * The database could not be opened at start-up. The message is one line that says what is wrong and what to
 * do; entry points print it alone, without a stack trace, and exit non-zero.
 */
export class DatabaseStartError extends Error {
  override name = 'DatabaseStartError';
}

/** Who holds an embedded data folder, as its lock file says. */
export interface LockHolder {
  pid: number;
  /** The holder's entry file (`main.js`, `create-admin.cli.js`…), for messages. */
  program: string;
  host: string;
  /** Linux only: the kernel's boot id and the holder's start time, to see through PID reuse. */
  bootId?: string;
  startTime?: string;
  /** Random per acquisition: tells two locks of one PID apart. */
  token: string;
}

/** Another process has the embedded database open, or may have: `checkable` is false on another host. */
export class DataFolderInUseError extends DatabaseStartError {
  override name = 'DataFolderInUseError';

  constructor(
    readonly dataDir: string,
    readonly lockFile: string,
    readonly holder: LockHolder,
    readonly checkable: boolean,
  ) {
    super(
      checkable
        ? `The embedded database in ${dataDir} is open in another process (PID ${holder.pid}, ${holder.program}), and only one process may open it: stop that process first; a second server needs a DATA_DIR of its own (several servers on one database need PostgreSQL: set DATABASE_URL)`
        : `The embedded database in ${dataDir} is locked by PID ${holder.pid} (${holder.program}) on host ${holder.host}, which cannot be checked from here: if no process there still uses this folder, delete ${lockFile} and start again`,
    );
  }
}

/** A file or folder in DATA_DIR that this user cannot make private (it belongs to someone else). */
export class DataFolderPermissionError extends DatabaseStartError {
  override name = 'DataFolderPermissionError';
}

/** PostgreSQL did not accept a connection at start-up. */
export class DatabaseUnreachableError extends DatabaseStartError {
  override name = 'DatabaseUnreachableError';
}
