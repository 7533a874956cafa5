import { useEffect, useState } from 'preact/hooks';
import {
  AgentConversation,
  ChatError,
  type AgentChat,
  type AgentConversationState,
} from '../client';
import { errorText } from './format';

export interface OpenConversation {
  conversation: AgentConversation | null;
  state: AgentConversationState | null;
  /** Set when the session could not be opened; `gone` when it no longer exists. */
  error: { message: string; gone: boolean } | null;
}

const closed: OpenConversation = {
  conversation: null,
  state: null,
  error: null,
};

/**
 * The selected session as an AgentConversation, joined once the agent has been online (after a drop the
 * client opens it again by itself), closed when another one is selected.
 */
export function useConversation(
  agent: AgentChat,
  sessionId: string | null,
  everOnline: boolean,
): OpenConversation {
  const [open, setOpen] = useState<OpenConversation>(closed);

  useEffect(() => {
    if (!sessionId || !everOnline) return;
    const conversation = new AgentConversation(agent, sessionId);
    const update = (change: Partial<OpenConversation>) =>
      setOpen((current) =>
        current.conversation === conversation
          ? { ...current, ...change }
          : current,
      );
    setOpen({ conversation, state: conversation.state, error: null });
    const stop = conversation.on('change', (state) =>
      update({ state, error: null }),
    );
    conversation.open().catch((error: unknown) =>
      update({
        error: {
          message: errorText(error),
          gone: error instanceof ChatError && error.code === 'NOT_FOUND',
        },
      }),
    );
    return () => {
      stop();
      conversation.close();
    };
  }, [agent, sessionId, everOnline]);

  return open.conversation?.sessionId === sessionId ? open : closed;
}
