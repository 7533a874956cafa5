import { KeyedSerialQueue } from './keyed-serial-queue';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyedSerialQueue', () => {
  it('runs tasks of one key in queue order even when earlier ones are slower', async () => {
    const queue = new KeyedSerialQueue();
    const finished: number[] = [];
    await Promise.all(
      [30, 10, 0].map((ms, index) =>
        queue.run('a', async () => {
          await delay(ms);
          finished.push(index);
        }),
      ),
    );
    expect(finished).toEqual([0, 1, 2]);
  });

  it('keeps going after a task fails, and reports the failure to its caller only', async () => {
    const queue = new KeyedSerialQueue();
    const failing = queue.run('a', () => Promise.reject(new Error('boom')));
    const next = queue.run('a', () => Promise.resolve('ok'));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });

  it('runs different keys in parallel', async () => {
    const queue = new KeyedSerialQueue();
    const order: string[] = [];
    await Promise.all([
      queue.run('slow', async () => {
        await delay(30);
        order.push('slow');
      }),
      queue.run('fast', async () => {
        order.push('fast');
      }),
    ]);
    expect(order).toEqual(['fast', 'slow']);
  });

  it('answers runUntil callers early but holds the key until their task has finished', async () => {
    const queue = new KeyedSerialQueue();
    const events: string[] = [];
    const first = await queue.runUntil<string>('a', async (answer) => {
      answer('first answer');
      events.push('answered');
      await delay(20);
      events.push('first finished');
    });
    events.push(`caller got ${first.value}`);
    await queue.run('a', async () => {
      events.push('second ran');
    });
    await first.finished;
    expect(events).toEqual([
      'answered',
      'caller got first answer',
      'first finished',
      'second ran',
    ]);
  });

  it('rejects a runUntil caller whose task fails before answering', async () => {
    const queue = new KeyedSerialQueue();
    await expect(
      queue.runUntil('a', () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    await expect(queue.run('a', () => Promise.resolve('ok'))).resolves.toBe(
      'ok',
    );
  });
});
