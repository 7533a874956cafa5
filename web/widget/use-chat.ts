import { useEffect, useRef, useState } from 'preact/hooks';
import type { MessageView } from '../../src/messages/dto/message.view';
import { compareIds } from '../client/ids';
import { VisitorChat, type VisitorChatState } from '../client/visitor-chat';

export interface ChatHandle {
  chat: VisitorChat;
  state: VisitorChatState;
  /** Connects if not yet connected: a first-time visitor opens a session only when they open the chat. */
  start(): void;
}

/**
 * One VisitorChat for the widget's lifetime. A returning visitor (a saved session) connects at once,
 * so replies that came while they were away show as unread; anyone else connects on first open,
 * so page views alone never fill the agents' list with empty sessions.
 */
export function useChat(server: string): ChatHandle {
  const [handle] = useState(() => {
    const chat = new VisitorChat({ url: server });
    let started = false;
    return {
      chat,
      start() {
        if (started) return;
        started = true;
        chat.start();
        void applyServerSettings(server, chat);
      },
    };
  });
  const [state, setState] = useState(handle.chat.state);
  useEffect(() => {
    const off = handle.chat.on('change', setState);
    if (handle.chat.resumesSession) handle.start();
    return () => {
      off();
      handle.chat.close();
    };
  }, [handle]);
  return { ...handle, state };
}

/** The server's own message limit (MESSAGE_MAX_LENGTH), so "too long" shows before sending. */
async function applyServerSettings(
  server: string,
  chat: VisitorChat,
): Promise<void> {
  try {
    const response = await fetch(`${server}/api/chat/settings`);
    const settings = (await response.json()) as { messageMaxLength?: unknown };
    if (
      typeof settings.messageMaxLength === 'number' &&
      settings.messageMaxLength > 0
    ) {
      chat.messageMaxLength = settings.messageMaxLength;
    }
  } catch {
    // Keep the default limit; the server still refuses a message that is too long.
  }
}

export function usePageVisible(): boolean {
  const [visible, setVisible] = useState(
    () => document.visibilityState === 'visible',
  );
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

const SEEN_KEY = 'chat-widget-seen:';

/**
 * Counts messages from others the visitor has not seen (arrived while the panel was closed or the page
 * hidden), and marks them read on the server once the panel shows them. What was seen is remembered
 * per session, so replies that came between visits count too.
 */
export function useUnread(
  { chat, state }: ChatHandle,
  showing: boolean,
): number {
  const seen = useRef<{ sessionId: string; upTo: string | null } | null>(null);
  const { sessionId, messages } = state;
  if (sessionId && seen.current?.sessionId !== sessionId) {
    seen.current = { sessionId, upTo: readSeen(sessionId) };
  }
  const upTo = seen.current?.upTo ?? null;
  const unseen = messages.filter((message) => isUnseen(message, upTo));
  const latest = messages.at(-1)?.id;

  useEffect(() => {
    const current = seen.current;
    if (!showing || !latest || !current || current.upTo === latest) return;
    if (unseen.length > 0) chat.markRead(latest).catch(() => undefined);
    current.upTo = latest;
    writeSeen(current.sessionId, latest);
  });

  return showing ? 0 : unseen.length;
}

function isUnseen(message: MessageView, upTo: string | null): boolean {
  return (
    message.sender !== 'user' &&
    (upTo === null || compareIds(message.id, upTo) > 0)
  );
}

function readSeen(sessionId: string): string | null {
  try {
    return localStorage.getItem(SEEN_KEY + sessionId);
  } catch {
    return null;
  }
}

function writeSeen(sessionId: string, upTo: string): void {
  try {
    localStorage.setItem(SEEN_KEY + sessionId, upTo);
  } catch {
    // Storage blocked: unread counts last for the page.
  }
}
