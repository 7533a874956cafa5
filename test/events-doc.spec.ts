import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCode } from '../src/common/errors';
import { AdminEvent, AdminServerEvent } from '../src/realtime/admin.events';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';

/** docs/EVENTS.md is what widget and admin-panel developers code from: every name on the wire must be in it. */
describe('docs/EVENTS.md', () => {
  const doc = readFileSync(resolve(__dirname, '../docs/EVENTS.md'), 'utf8');
  const quoted = new Set(
    [...doc.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]),
  );

  it.each<[string, Record<string, string>]>([
    ['WidgetEvent', WidgetEvent],
    ['WidgetServerEvent', WidgetServerEvent],
    ['AdminEvent', AdminEvent],
    ['AdminServerEvent', AdminServerEvent],
    ['ErrorCode', ErrorCode],
  ])('names every %s in backticks', (_, names) => {
    const missing = Object.values(names).filter((name) => !quoted.has(name));
    expect(missing).toEqual([]);
  });
});
