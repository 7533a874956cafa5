import { Fragment } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type {
  AgentConversation,
  AgentConversationState,
  MessageView,
  PendingMessage,
  SessionSummary,
} from '../client';
import { dayKey, dayLabel, errorText, timeOfDay, userLabel } from './format';
import { strings } from './strings';

const TYPING_IDLE_MS = 3000;
/** Messages of one sender this close together share one name and time. */
const GROUP_GAP_MS = 5 * 60_000;
/** How close to the bottom still counts as "reading the latest". */
const STICK_DISTANCE_PX = 120;

/** What the agent had typed in each conversation, kept while switching between them. */
const unsent = new Map<string, string>();

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(
    document.visibilityState === 'visible',
  );
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

function senderName(
  message: MessageView,
  me: string,
  agentNames: ReadonlyMap<string, string>,
): string {
  switch (message.sender) {
    case 'user':
      return strings.conversation.visitor;
    case 'admin':
      if (message.adminId === me) return strings.conversation.you;
      return (
        (message.adminId && agentNames.get(message.adminId)) ||
        strings.conversation.agent
      );
    case 'ai':
      return strings.conversation.assistant;
    case 'system':
      return strings.conversation.system;
  }
}

/** Whether a message starts a new group: another sender, another author, a gap, or a new day. */
function startsGroup(message: MessageView, previous: MessageView | undefined) {
  return (
    !previous ||
    previous.sender !== message.sender ||
    previous.adminId !== message.adminId ||
    Date.parse(message.timestamp) - Date.parse(previous.timestamp) >
      GROUP_GAP_MS ||
    dayKey(message.timestamp) !== dayKey(previous.timestamp)
  );
}

function Message({
  message,
  first,
  name,
  seen,
}: {
  message: MessageView;
  first: boolean;
  name: string;
  seen: boolean;
}) {
  if (message.sender === 'system') {
    return (
      <div
        class="message system"
        data-sender="system"
        data-status="sent"
        data-message-id={message.id}
      >
        <span class="sr-only">{name}: </span>
        <p class="text">{message.content}</p>
        <time class="message-time" dateTime={message.timestamp}>
          {timeOfDay(message.timestamp)}
        </time>
      </div>
    );
  }
  const side = message.sender === 'user' ? 'incoming' : 'outgoing';
  return (
    <div
      class={`message ${side} from-${message.sender}${first ? ' first' : ''}`}
      data-sender={message.sender}
      data-status="sent"
      data-message-id={message.id}
    >
      <div class={first ? 'message-meta' : 'sr-only'}>
        <span class="message-name">{name}</span>
        <span aria-hidden="true">{strings.separator}</span>
        <time class="message-time" dateTime={message.timestamp}>
          {timeOfDay(message.timestamp)}
        </time>
      </div>
      <p class="text bubble">{message.content}</p>
      {seen && <span class="seen">{strings.conversation.seen}</span>}
    </div>
  );
}

function Pending({
  pending,
  onRetry,
  onDiscard,
}: {
  pending: PendingMessage;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  const failed = pending.status === 'failed';
  return (
    <div
      class={`message outgoing from-admin pending${failed ? ' failed' : ''}`}
      data-sender="admin"
      data-status={pending.status}
    >
      <div class="sr-only">{strings.conversation.you}</div>
      <p class="text bubble">{pending.content}</p>
      {failed ? (
        <div class="pending-state">
          <span class="error-text">
            {strings.conversation.failed(errorText(pending.error))}
          </span>
          <button type="button" class="link-button" onClick={onRetry}>
            {strings.conversation.retry}
          </button>
          <button type="button" class="link-button" onClick={onDiscard}>
            {strings.conversation.discard}
          </button>
        </div>
      ) : (
        <span class="pending-state muted">{strings.conversation.sending}</span>
      )}
    </div>
  );
}

function Composer({
  conversation,
  aiEnabled,
}: {
  conversation: AgentConversation;
  aiEnabled: boolean;
}) {
  const sessionId = conversation.sessionId;
  const [text, setText] = useState(() => unsent.get(sessionId) ?? '');
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const typing = useRef<{ on: boolean; timer?: ReturnType<typeof setTimeout> }>(
    { on: false },
  );

  const stopTyping = () => {
    clearTimeout(typing.current.timer);
    if (typing.current.on) conversation.typing(false);
    typing.current.on = false;
  };

  useEffect(() => stopTyping, [conversation]);

  useLayoutEffect(() => {
    const element = input.current;
    if (!element) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, 200)}px`;
  }, [text]);

  const send = () => {
    if (!text.trim()) return;
    try {
      conversation.reply(text);
      setText('');
      unsent.delete(sessionId);
      setError(null);
      stopTyping();
    } catch (failure) {
      setError(errorText(failure));
    }
  };

  const onInput = (value: string) => {
    setText(value);
    unsent.set(sessionId, value);
    clearTimeout(typing.current.timer);
    if (!value.trim()) {
      stopTyping();
      return;
    }
    if (!typing.current.on) {
      typing.current.on = true;
      conversation.typing(true);
    }
    typing.current.timer = setTimeout(stopTyping, TYPING_IDLE_MS);
  };

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      {error && (
        <p class="error-text composer-error" aria-live="assertive">
          {error}
        </p>
      )}
      <div class="composer-box">
        <textarea
          ref={input}
          aria-label={strings.conversation.reply}
          aria-describedby="composer-hint"
          placeholder={strings.conversation.replyPlaceholder}
          rows={1}
          value={text}
          onInput={(event) => onInput(event.currentTarget.value)}
          onBlur={stopTyping}
          onKeyDown={(event) => {
            if (
              event.key === 'Enter' &&
              !event.shiftKey &&
              !event.isComposing
            ) {
              event.preventDefault();
              send();
            }
          }}
        />
        <button type="submit" class="button primary" disabled={!text.trim()}>
          {strings.conversation.send}
        </button>
      </div>
      <p id="composer-hint" class="composer-hint muted">
        {strings.conversation.replyHint}
        {aiEnabled && (
          <>
            {strings.separator}
            {strings.conversation.aiPausesOnReply}
          </>
        )}
      </p>
    </form>
  );
}

/** The newest message the visitor has read that an agent or the assistant wrote: it gets "Seen". */
function seenMessageId(state: AgentConversationState): string | null {
  const upTo = state.readByVisitorUpTo;
  if (!upTo) return null;
  let found: string | null = null;
  for (const message of state.messages) {
    if (message.sender === 'user' || message.sender === 'system') continue;
    if (
      message.id.length < upTo.length ||
      (message.id.length === upTo.length && message.id <= upTo)
    ) {
      found = message.id;
    }
  }
  return found;
}

export function ConversationView({
  conversation,
  state,
  summary,
  me,
  agentNames,
}: {
  conversation: AgentConversation;
  state: AgentConversationState;
  summary: SessionSummary | undefined;
  me: string;
  agentNames: ReadonlyMap<string, string>;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const earlier = useRef<{ height: number; top: number } | null>(null);
  const [loadingEarlier, setLoadingEarlier] = useState(false);
  const [earlierError, setEarlierError] = useState<string | null>(null);
  const visible = usePageVisible();
  const now = Date.now();
  const user = summary?.user ?? userLabel(state.sessionId);

  const lastVisitorMessage = state.messages.findLast(
    (message) => message.sender === 'user',
  )?.id;
  const unread = summary?.unreadCount ?? 0;
  const marked = useRef<string | null | undefined>(undefined);

  // Read while it is open and the page is seen: on opening, as visitor messages arrive, and whenever
  // the list still counts unread ones.
  useEffect(() => {
    if (!state.loaded || !visible) return;
    const key = lastVisitorMessage ?? null;
    if (marked.current === key && unread === 0) return;
    marked.current = key;
    conversation.markRead().catch(() => undefined);
  }, [conversation, state.loaded, visible, lastVisitorMessage, unread > 0]);

  // Follow the newest message while the agent is at the bottom; keep the place when older ones load.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    if (earlier.current) {
      element.scrollTop =
        element.scrollHeight - earlier.current.height + earlier.current.top;
      earlier.current = null;
    } else if (stick.current) {
      element.scrollTop = element.scrollHeight;
    }
  }, [
    state.messages,
    state.pending,
    state.draft?.text,
    state.visitorTyping,
    state.loaded,
  ]);

  const loadEarlier = () => {
    const element = scroller.current;
    if (element)
      earlier.current = {
        height: element.scrollHeight,
        top: element.scrollTop,
      };
    setLoadingEarlier(true);
    setEarlierError(null);
    conversation
      .loadEarlier()
      .catch((error: unknown) => {
        earlier.current = null;
        setEarlierError(errorText(error));
      })
      .finally(() => setLoadingEarlier(false));
  };

  const seen = seenMessageId(state);
  const drafting = state.draft !== null || state.aiTyping;

  return (
    <>
      <div
        class="messages"
        ref={scroller}
        // Focusable, so the history can be scrolled from the keyboard.
        tabIndex={0}
        role="region"
        aria-label={strings.conversation.messagesLabel}
        onScroll={(event) => {
          const element = event.currentTarget;
          stick.current =
            element.scrollHeight - element.scrollTop - element.clientHeight <
            STICK_DISTANCE_PX;
        }}
      >
        <div class="history-edge">
          {!state.loaded ? (
            <p class="muted">{strings.conversation.loading}</p>
          ) : state.hasEarlier ? (
            <button
              type="button"
              class="button subtle"
              onClick={loadEarlier}
              disabled={loadingEarlier}
              aria-busy={loadingEarlier}
            >
              {strings.conversation.loadEarlier}
            </button>
          ) : (
            <p class="muted small">
              {state.messages.length > 0
                ? strings.conversation.start
                : strings.conversation.noMessages}
            </p>
          )}
          {earlierError && <p class="error-text">{earlierError}</p>}
        </div>
        <div
          class="log"
          role="log"
          aria-live="polite"
          aria-label={strings.conversation.logLabel(user)}
        >
          {state.messages.map((message, index) => {
            const previous = state.messages[index - 1];
            const newDay =
              !previous ||
              dayKey(previous.timestamp) !== dayKey(message.timestamp);
            return (
              <Fragment key={message.id}>
                {newDay && (
                  <div class="day-divider" role="separator">
                    <span>{dayLabel(message.timestamp, now)}</span>
                  </div>
                )}
                <Message
                  message={message}
                  first={startsGroup(message, previous)}
                  name={senderName(message, me, agentNames)}
                  seen={message.id === seen}
                />
              </Fragment>
            );
          })}
          {state.pending.map((pending) => (
            <Pending
              key={pending.clientMessageId}
              pending={pending}
              onRetry={() => conversation.retry(pending.clientMessageId)}
              onDiscard={() => conversation.discard(pending.clientMessageId)}
            />
          ))}
        </div>
        {drafting && (
          <div class="message outgoing from-ai draft first" data-draft>
            <div class="message-meta">
              <span class="message-name">{strings.conversation.assistant}</span>
              <span aria-hidden="true">{strings.separator}</span>
              <span>{strings.conversation.assistantWriting}</span>
            </div>
            <p class="text bubble">
              {state.draft?.text}
              <span class="cursor" aria-hidden="true" />
            </p>
          </div>
        )}
        <div class="typing-line" aria-live="polite">
          {state.visitorTyping && (
            <span class="typing">
              <span class="dots" aria-hidden="true">
                <span />
                <span />
                <span />
              </span>
              {strings.conversation.visitorTyping}
            </span>
          )}
        </div>
      </div>
      <Composer
        key={conversation.sessionId}
        conversation={conversation}
        aiEnabled={summary?.aiEnabled ?? false}
      />
    </>
  );
}
