import type { EntryProcess } from './app-process';

const DEFAULT_TIMEOUT_MS = 15_000;

/** One line of the JSON log format. */
export interface LogRecord {
  time: string;
  level: string;
  context: string;
  message: string;
  correlationId?: string;
  sessionId?: string;
  [field: string]: unknown;
}

/** The non-empty lines a process wrote so far. */
export function outputLines(app: EntryProcess): string[] {
  return app
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** Every line parsed as JSON; fails on the first line that is not one JSON object. */
export function logRecords(app: EntryProcess): LogRecord[] {
  return outputLines(app).map((line) => {
    const record: unknown = JSON.parse(line);
    if (typeof record !== 'object' || record === null || Array.isArray(record))
      throw new Error(`not a JSON object: ${line}`);
    return record as LogRecord;
  });
}

/**
 * Resolves once the process has written a line that `matches` (perhaps already), failing after the
 * timeout with what it did write.
 */
export function waitForLine(
  app: EntryProcess,
  matches: (line: string) => boolean,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<string> {
  const found = () => outputLines(app).find(matches);
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = found();
      if (line === undefined) return;
      stop();
      resolve(line);
    };
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(
          `no matching line within ${timeoutMs} ms; the process wrote:\n${app.output()}`,
        ),
      );
    }, timeoutMs);
    const streams = [app.child.stdout, app.child.stderr];
    // Listeners run after the process's own collector, which was attached first.
    const stop = () => {
      clearTimeout(timer);
      for (const stream of streams) stream?.off('data', check);
    };
    for (const stream of streams) stream?.on('data', check);
    check();
  });
}

/** Sends SIGTERM and resolves with the exit code once the process has shut down. */
export async function stopGracefully(
  app: EntryProcess,
): Promise<number | null> {
  if (app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill('SIGTERM');
  }
  return app.exited;
}
