import type {
  MessagePageView,
  MessageView,
} from '../../src/messages/dto/message.view';
import type { Conversation, PendingMessage } from './conversation';
import { ChatError } from './errors';

const CATCH_UP_PAGE = 200;
/** Typing indicators whose "stopped" event was lost still end. */
const TYPING_EXPIRY_MS = 8000;

type MessagePage = Pick<MessagePageView, 'messages' | 'hasMore'>;

/** Adds every message after `after`, page by page: what the conversation missed while disconnected. */
export async function catchUp(
  conversation: Conversation,
  after: string,
  fetchPage: (after: string, limit: number) => Promise<MessagePage>,
): Promise<void> {
  let cursor = after;
  for (;;) {
    const page = await fetchPage(cursor, CATCH_UP_PAGE);
    conversation.addMessages(page.messages);
    const last = page.messages.at(-1);
    if (!page.hasMore || !last) return;
    cursor = last.id;
  }
}

/**
 * Sends one pending message with `post`. Its ack commits it and a refusal marks it failed; lost with the
 * connection, it stays pending and the reconnect sends it again with the same clientMessageId. Resolves
 * whether the conversation changed.
 */
export async function sendPending(
  conversation: Conversation,
  clientMessageId: string,
  connection: { readonly connected: boolean },
  post: (pending: PendingMessage) => Promise<MessageView>,
): Promise<boolean> {
  const pending = conversation.pending.find(
    (entry) => entry.clientMessageId === clientMessageId,
  );
  if (!pending || !connection.connected) return false;
  try {
    conversation.addMessages([await post(pending)]);
  } catch (error) {
    if (!connection.connected) return false;
    conversation.setPending(
      clientMessageId,
      'failed',
      error instanceof ChatError
        ? error
        : new ChatError('INTERNAL', 'Something went wrong'),
    );
  }
  return true;
}

/** Someone else's typing: on until they stop, or until it expires because their "stopped" was lost. */
export class TypingIndicator {
  private timer?: ReturnType<typeof setTimeout>;
  private on = false;

  constructor(private readonly onExpired: () => void) {}

  get isTyping(): boolean {
    return this.on;
  }

  set(typing: boolean): void {
    clearTimeout(this.timer);
    this.on = typing;
    if (!typing) return;
    this.timer = setTimeout(() => {
      this.on = false;
      this.onExpired();
    }, TYPING_EXPIRY_MS);
  }
}
