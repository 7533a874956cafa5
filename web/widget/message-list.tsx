import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { MessageView } from '../../src/messages/dto/message.view';
import type { PendingMessage } from '../client/conversation';
import { compareIds } from '../client/ids';
import type { VisitorChat, VisitorChatState } from '../client/visitor-chat';
import { failureReason, formatTime } from './format';
import { strings } from './strings';

/** A notice the widget shows itself (not a stored message), placed after the message it followed. */
export interface LocalNotice {
  key: number;
  text: string;
  after: string | null;
}

interface MessageListProps {
  chat: VisitorChat;
  state: VisitorChatState;
  title: string;
  greeting: string;
  notices: LocalNotice[];
}

/** Meta lines of consecutive messages by one sender within this time are shown to screen readers only. */
const GROUP_MS = 3 * 60_000;
/** How close to the bottom still counts as "reading the newest". */
const STICK_PX = 48;

export function MessageList(props: MessageListProps) {
  const { chat, state, title, greeting, notices } = props;
  const log = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const anchor = useRef<{
    height: number;
    top: number;
    firstId: string | undefined;
  } | null>(null);
  const sentCount = useRef(state.pending.length);
  const [earlier, setEarlier] = useState<'idle' | 'loading' | 'failed'>('idle');

  useLayoutEffect(() => {
    const element = log.current;
    if (!element) return;
    const sent = state.pending.length > sentCount.current;
    sentCount.current = state.pending.length;
    const firstId = state.messages[0]?.id;
    if (anchor.current && anchor.current.firstId !== firstId) {
      // Earlier messages went in above: keep what the visitor was reading in place.
      element.scrollTop =
        anchor.current.top + element.scrollHeight - anchor.current.height;
      anchor.current = null;
    } else if (stick.current || sent) {
      element.scrollTop = element.scrollHeight;
      stick.current = true;
    }
  });

  const onScroll = () => {
    const element = log.current;
    if (!element) return;
    stick.current =
      element.scrollHeight - element.scrollTop - element.clientHeight <
      STICK_PX;
  };

  const showEarlier = () => {
    const element = log.current!;
    anchor.current = {
      height: element.scrollHeight,
      top: element.scrollTop,
      firstId: state.messages[0]?.id,
    };
    stick.current = false;
    setEarlier('loading');
    chat.loadEarlier().then(
      () => {
        setEarlier('idle');
        // The button goes once everything is shown: keep keyboard focus in the conversation.
        if (!chat.state.hasEarlier) log.current?.focus({ preventScroll: true });
      },
      () => {
        anchor.current = null;
        setEarlier('failed');
      },
    );
  };

  const noticesAfter = new Map<string | null, LocalNotice[]>();
  for (const notice of notices) {
    const list = noticesAfter.get(notice.after) ?? [];
    list.push(notice);
    noticesAfter.set(notice.after, list);
  }
  const renderNotices = (after: string | null) =>
    noticesAfter.get(after)?.map((notice) => (
      <p class="notice" data-notice key={`n${notice.key}`}>
        {notice.text}
      </p>
    ));
  const seenUpTo = lastSeenByAgent(state.messages, state.readByAgentUpTo);

  return (
    <div
      class="log"
      role="log"
      aria-live="polite"
      aria-label={strings.conversation}
      aria-busy={state.draft ? 'true' : 'false'}
      tabIndex={0}
      ref={log}
      onScroll={onScroll}
    >
      {state.hasEarlier && (
        <div class="earlier">
          <button
            type="button"
            class="earlier-button"
            disabled={earlier === 'loading'}
            onClick={showEarlier}
          >
            {earlier === 'loading'
              ? strings.loadingEarlier
              : strings.showEarlier}
          </button>
          {earlier === 'failed' && (
            <p class="earlier-failed">{strings.earlierFailed}</p>
          )}
        </div>
      )}
      <div class="msg them first">
        <p class="meta">
          <span class="who">{title}</span>
        </p>
        <div class="bubble">
          <p class="greeting">{greeting}</p>
        </div>
      </div>
      {renderNotices(null)}
      {state.messages.map((message, index) => [
        <Message
          key={message.id}
          message={message}
          previous={state.messages[index - 1]}
          seen={message.id === seenUpTo}
        />,
        renderNotices(message.id),
      ])}
      {[...noticesAfter.keys()]
        .filter(
          (after) =>
            after !== null &&
            !state.messages.some((message) => message.id === after),
        )
        .map(renderNotices)}
      {state.pending.map((pending) => (
        <Pending key={pending.clientMessageId} chat={chat} pending={pending} />
      ))}
      {state.draft && (
        <div class="msg them" data-draft>
          <p class="meta">
            <span class="who">{strings.senders.ai}</span>
          </p>
          <div class="bubble">
            <p class="draft-text">
              {state.draft.text}
              <span class="cursor" aria-hidden="true" />
            </p>
          </div>
        </div>
      )}
      {state.aiTyping && !state.draft && (
        <Typing text={strings.assistantTyping} />
      )}
      {state.agentTyping && <Typing text={strings.agentTyping} />}
    </div>
  );
}

function Message(props: {
  message: MessageView;
  previous: MessageView | undefined;
  seen: boolean;
}) {
  const { message, previous, seen } = props;
  const time = formatTime(message.timestamp);
  if (message.sender === 'system') {
    return (
      <div class="system" data-sender="system" data-status="sent">
        <p class="sr-only">{strings.senders.system}</p>
        <p class="text">{message.content}</p>
        <p class="meta">
          <time dateTime={message.timestamp}>{time}</time>
        </p>
      </div>
    );
  }
  const mine = message.sender === 'user';
  const grouped =
    previous?.sender === message.sender &&
    Date.parse(message.timestamp) - Date.parse(previous.timestamp) < GROUP_MS;
  return (
    <div
      class={`msg ${mine ? 'me' : 'them'}${grouped ? '' : ' first'}`}
      data-sender={message.sender}
      data-status="sent"
    >
      <p class={grouped ? 'meta sr-only' : 'meta'}>
        <span class={mine ? 'who sr-only' : 'who'}>
          {strings.senders[message.sender]}
        </span>{' '}
        <time dateTime={message.timestamp}>{time}</time>
      </p>
      <div class="bubble">
        <p class="text">{message.content}</p>
      </div>
      {seen && <p class="receipt">{strings.seen}</p>}
    </div>
  );
}

function Pending({
  chat,
  pending,
}: {
  chat: VisitorChat;
  pending: PendingMessage;
}) {
  const failed = pending.status === 'failed';
  return (
    <div class="msg me first" data-sender="user" data-status={pending.status}>
      <p class="meta">
        <span class="who sr-only">{strings.senders.user}</span>{' '}
        {!failed && strings.sending}
      </p>
      <div class="bubble">
        <p class="text">{pending.content}</p>
      </div>
      {failed && (
        <div class="failure">
          <p>
            {strings.notSent} {failureReason(pending.error)}
          </p>
          <div class="failure-actions">
            <button
              type="button"
              onClick={() => chat.retry(pending.clientMessageId)}
            >
              {strings.retry}
            </button>
            <button
              type="button"
              onClick={() => chat.discard(pending.clientMessageId)}
            >
              {strings.remove}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

function Typing({ text }: { text: string }) {
  return (
    <div class="typing">
      <span class="dots" aria-hidden="true">
        <span />
        <span />
        <span />
      </span>
      {text}
    </div>
  );
}

/** The visitor's latest message an agent has read, to carry the "Seen" receipt. */
function lastSeenByAgent(
  messages: readonly MessageView[],
  upTo: string | null,
): string | null {
  if (!upTo) return null;
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message.sender === 'user' && compareIds(message.id, upTo) <= 0) {
      return message.id;
    }
  }
  return null;
}
