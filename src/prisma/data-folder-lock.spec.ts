import {
  holderState,
  type HolderState,
  type ProcessProbe,
} from './data-folder-lock';
import type { LockHolder } from './prisma.errors';

const holder: LockHolder = {
  pid: 4242,
  program: 'main.js',
  host: 'chat-1',
  bootId: 'boot-a',
  startTime: '1000',
  token: 'token-a',
};

/** This machine, where PID 4242 runs and started at tick 1000 unless a case says otherwise. */
function here(overrides: Partial<ProcessProbe> = {}): ProcessProbe {
  return {
    host: 'chat-1',
    pid: 7,
    bootId: 'boot-a',
    exists: (pid) => pid === 4242,
    startTime: (pid) => (pid === 4242 ? '1000' : undefined),
    holdsToken: () => false,
    ...overrides,
  };
}

describe('holderState', () => {
  const cases: [string, LockHolder, ProcessProbe, HolderState][] = [
    ['the holder still runs', holder, here(), 'running'],
    [
      'the holder died (kill -9)',
      holder,
      here({ exists: () => false }),
      'gone',
    ],
    [
      'its PID now belongs to a process started later',
      holder,
      here({ startTime: () => '5000' }),
      'gone',
    ],
    [
      'its PID is this process, which did not take the lock (PID 1 in a restarted container)',
      { ...holder, pid: 7 },
      here(),
      'gone',
    ],
    [
      'this process took the lock itself',
      { ...holder, pid: 7 },
      here({ holdsToken: (token) => token === 'token-a' }),
      'running',
    ],
    ['the machine rebooted since', holder, here({ bootId: 'boot-b' }), 'gone'],
    [
      'the holder runs on another host (a shared folder)',
      { ...holder, host: 'chat-2' },
      here({ exists: () => false }),
      'unknown',
    ],
    [
      'no start time can be read (not Linux): the PID decides',
      { ...holder, bootId: undefined, startTime: undefined },
      here({ bootId: undefined, startTime: () => undefined }),
      'running',
    ],
    [
      'a process of another user holds the PID, same start time',
      holder,
      here({ exists: () => true }),
      'running',
    ],
  ];

  it.each(cases)('%s', (_, lock, probe, expected) => {
    expect(holderState(lock, probe)).toBe(expected);
  });
});
