import type { MessageView, Sender } from './message.view';

/** The seed's widget renders only 'admin' and 'bot' messages: the assistant and the system both were its bot. */
export type SeedSender = 'user' | 'admin' | 'bot';

/** `message` as the seed's widget reads it: MessageView plus the seed's sender, `createdAt` and `isAI`. */
export type SeedMessageView = Omit<MessageView, 'sender'> & {
  sender: SeedSender;
  createdAt: string;
  isAI: boolean;
};

const SEED_SENDERS: Record<Sender, SeedSender> = {
  user: 'user',
  admin: 'admin',
  ai: 'bot',
  system: 'bot',
};

export function toSeedMessageView(view: MessageView): SeedMessageView {
  return {
    id: view.id,
    sessionId: view.sessionId,
    sender: SEED_SENDERS[view.sender],
    content: view.content,
    timestamp: view.timestamp,
    clientMessageId: view.clientMessageId,
    adminId: view.adminId,
    createdAt: view.timestamp,
    isAI: view.sender === 'ai',
  };
}
