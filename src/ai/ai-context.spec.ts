import type { ChatTurn } from './ai-provider.client';
import { fitContext } from './ai-context';

const user = (content: string): ChatTurn => ({ role: 'user', content });
const assistant = (content: string): ChatTurn => ({
  role: 'assistant',
  content,
});

describe('fitContext', () => {
  it('keeps every turn when they fit beside the system prompt', () => {
    const turns = [user('Hello'), assistant('Hi!'), user('Where is it?')];
    expect(fitContext('Be kind.', turns, 100)).toEqual(turns);
  });

  it('drops the oldest turns first, counting the system prompt', () => {
    const turns = [
      user('a'.repeat(40)),
      assistant('b'.repeat(30)),
      user('c'.repeat(20)),
    ];
    // 10 for the prompt, 20 + 30 for the newest two: the 40 no longer fits in 70.
    expect(fitContext('p'.repeat(10), turns, 70)).toEqual(turns.slice(1));
    expect(fitContext('p'.repeat(10), turns, 59)).toEqual(turns.slice(2));
  });

  it('stops at the first turn that does not fit, so the context has no gap', () => {
    const turns = [user('x'), assistant('y'.repeat(50)), user('z')];
    expect(fitContext('', turns, 10)).toEqual([user('z')]);
  });

  it('always sends the message being answered, even alone over the cap', () => {
    const latest = user('q'.repeat(500));
    expect(fitContext('p'.repeat(200), [user('older'), latest], 100)).toEqual([
      latest,
    ]);
  });

  it('counts characters as code points', () => {
    const emoji = user('👋'.repeat(10));
    expect(fitContext('', [emoji, user('hi')], 12)).toEqual([
      emoji,
      user('hi'),
    ]);
    expect(fitContext('', [emoji, user('hi')], 11)).toEqual([user('hi')]);
  });

  it('sends nothing when there is nothing to answer', () => {
    expect(fitContext('prompt', [], 100)).toEqual([]);
  });
});
