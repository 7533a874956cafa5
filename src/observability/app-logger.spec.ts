import { ConsoleLogger, Logger } from '@nestjs/common';
import { parseSettings } from '../config/settings';
import { createAppLogger } from './app-logger';
import { runInContext } from './request-context';

const AI_KEY = 'sk-test-key-that-must-not-show';

describe('AppLogger', () => {
  let written: string[];
  let writes: jest.SpyInstance[];

  beforeEach(() => {
    written = [];
    const capture = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    writes = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
  });

  afterEach(() => writes.forEach((spy) => spy.mockRestore()));

  function logger(format: 'json' | 'pretty') {
    return createAppLogger(
      parseSettings({ LOG_FORMAT: format, AI_API_KEYS: AI_KEY }),
    );
  }

  it('writes one JSON object per line with time, level, context and message', () => {
    const json = logger('json');
    json.log('Chat backend listening', 'Bootstrap');
    json.warn('Careful\nsecond line', 'Redis');
    json.error(
      'Exploded',
      'Error: boom\n    at somewhere (file.ts:1:1)',
      'Errors',
    );
    const lines = written.join('').split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    const records = lines.map((line) => JSON.parse(line));
    expect(
      records.map((record) => [record.level, record.context, record.message]),
    ).toEqual([
      ['log', 'Bootstrap', 'Chat backend listening'],
      ['warn', 'Redis', 'Careful\nsecond line'],
      ['error', 'Errors', 'Exploded'],
    ]);
    for (const record of records) {
      expect(new Date(record.time).toISOString()).toBe(record.time);
    }
    expect(records[2].stack).toContain('at somewhere');
  });

  it('adds the correlation id and session id of the request being handled', () => {
    const json = logger('json');
    runInContext(
      { correlationId: 'req-42', sessionId: () => 'session-7' },
      () => json.log('inside', 'Test'),
    );
    json.log('outside', 'Test');
    const [inside, outside] = written.map((line) => JSON.parse(line));
    expect(inside).toMatchObject({
      correlationId: 'req-42',
      sessionId: 'session-7',
    });
    expect(outside.correlationId).toBeUndefined();
  });

  it.each(['json', 'pretty'] as const)(
    'masks secrets in %s lines and stack traces',
    (format) => {
      const app = logger(format);
      runInContext(
        { correlationId: 'req-1', sessionId: () => undefined },
        () => {
          app.warn(
            `provider said: Incorrect API key provided: ${AI_KEY}`,
            'Ai',
          );
          app.error(
            'failed',
            `Error: Authorization: Bearer ${AI_KEY}\n    at x (y.ts:1:1)`,
            'Errors',
          );
        },
      );
      const output = written.join('');
      expect(output).toContain('Incorrect API key provided');
      expect(output).toContain('req-1');
      expect(output).not.toContain(AI_KEY);
    },
  );

  it('is what Nest loggers write through once installed', () => {
    const json = logger('json');
    Logger.overrideLogger(json);
    try {
      new Logger('Some.Service').warn('through the static logger');
    } finally {
      Logger.overrideLogger(new ConsoleLogger());
    }
    expect(JSON.parse(written[0])).toMatchObject({
      level: 'warn',
      context: 'Some.Service',
      message: 'through the static logger',
    });
  });
});
