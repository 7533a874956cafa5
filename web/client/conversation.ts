import type { MessageView } from '../../src/messages/dto/message.view';
import type { MessageDeltaEvent } from '../../src/realtime/widget.events';
import type { ChatError } from './errors';
import { compareIds } from './ids';

/** A message this client sent that has no ack yet (`sending`) or was refused (`failed`). */
export interface PendingMessage {
  clientMessageId: string;
  content: string;
  status: 'sending' | 'failed';
  error?: ChatError;
}

/** The AI reply being written: one per conversation, replaced by a new `streamId`. */
export interface Draft {
  streamId: string;
  text: string;
}

/**
 * One conversation as a client sees it: committed messages in id order without duplicates, the messages
 * still on their way, and the AI draft. Pure state; the clients feed it what the server says.
 */
export class Conversation {
  private readonly byId = new Map<string, MessageView>();
  private ordered: MessageView[] = [];
  private readonly outbox = new Map<string, PendingMessage>();
  draft: Draft | null = null;

  constructor(readonly sessionId: string) {}

  get messages(): readonly MessageView[] {
    return this.ordered;
  }

  get pending(): PendingMessage[] {
    return [...this.outbox.values()];
  }

  get latestId(): string | null {
    return this.ordered.at(-1)?.id ?? null;
  }

  get earliestId(): string | null {
    return this.ordered[0]?.id ?? null;
  }

  /** Adds committed messages; a known id is ignored, and a sent message leaves the outbox. */
  addMessages(messages: readonly MessageView[]): MessageView[] {
    const added = messages.filter((message) => !this.byId.has(message.id));
    for (const message of added) {
      this.byId.set(message.id, message);
      if (message.clientMessageId) this.outbox.delete(message.clientMessageId);
      if (message.sender === 'ai') this.draft = null;
    }
    if (added.length > 0) {
      this.ordered = [...this.byId.values()].sort((a, b) =>
        compareIds(a.id, b.id),
      );
    }
    return added;
  }

  queue(clientMessageId: string, content: string): PendingMessage {
    const pending: PendingMessage = {
      clientMessageId,
      content,
      status: 'sending',
    };
    this.outbox.set(clientMessageId, pending);
    return pending;
  }

  setPending(
    clientMessageId: string,
    status: PendingMessage['status'],
    error?: ChatError,
  ): PendingMessage | undefined {
    const pending = this.outbox.get(clientMessageId);
    if (!pending) return undefined;
    const updated = { ...pending, status, error };
    this.outbox.set(clientMessageId, updated);
    return updated;
  }

  discard(clientMessageId: string): void {
    this.outbox.delete(clientMessageId);
  }

  /** A chunk of the AI reply: a new streamId starts the draft over (a retried attempt). */
  applyDelta({ streamId, delta }: MessageDeltaEvent): void {
    this.draft =
      this.draft?.streamId === streamId
        ? { streamId, text: this.draft.text + delta }
        : { streamId, text: delta };
  }

  endDraft(): void {
    this.draft = null;
  }
}
