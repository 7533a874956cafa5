/**
 * Runs tasks one after another per key, in the order they were queued, and different keys in parallel.
 * Used so that messages of one session commit in the order they arrived even with a connection pool.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /**
   * Like run(), but resolves as soon as the task calls `answer`, while the key stays held until the task
   * has finished the rest: work after the answer that must still precede the key's next task.
   * `finished` never rejects once the task has answered; the task handles its own later failures.
   */
  runUntil<T>(
    key: string,
    task: (answer: (value: T) => void) => Promise<void>,
  ): Promise<{ value: T; finished: Promise<void> }> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const finished: Promise<void> = this.run(key, () =>
        task((value) => {
          answered = true;
          resolve({ value, finished: finished.catch(() => undefined) });
        }),
      );
      finished.catch((error: unknown) => {
        if (!answered) reject(error);
      });
    });
  }
}
