import type { Sender } from './message.view';
import { toSeedMessageView } from './seed-message.view';

const FIELDS = {
  id: '42',
  sessionId: '7d1f4a52-3c8e-4f7a-9b1e-2a6c5d8e9f01',
  content: 'Hello',
  timestamp: '2026-11-25T12:00:00.000Z',
  clientMessageId: 'c-1',
  adminId: null,
};

describe('toSeedMessageView', () => {
  it.each<[Sender, string, boolean]>([
    ['ai', 'bot', true],
    ['system', 'bot', false],
    ['admin', 'admin', false],
    ['user', 'user', false],
  ])('shows a %s message as sender %s, isAI %s', (sender, seedSender, isAI) => {
    expect(toSeedMessageView({ ...FIELDS, sender })).toStrictEqual({
      ...FIELDS,
      sender: seedSender,
      createdAt: FIELDS.timestamp,
      isAI,
    });
  });

  it('keeps the agent of an admin message', () => {
    const adminId = 'a7e0c1d2-1111-4222-8333-944455566677';
    expect(
      toSeedMessageView({ ...FIELDS, sender: 'admin', adminId }),
    ).toMatchObject({ sender: 'admin', adminId });
  });
});
