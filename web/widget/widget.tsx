import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { SessionStatus } from '../../src/sessions/dto/session.view';
import { Composer } from './composer';
import {
  ChatIcon,
  ChevronDownIcon,
  CloseIcon,
  PersonIcon,
  SparkIcon,
} from './icons';
import { MessageList, type LocalNotice } from './message-list';
import { strings } from './strings';
import type { Theme } from './theme';
import {
  useChat,
  usePageVisible,
  useUnread,
  type ChatHandle,
} from './use-chat';

export interface WidgetConfig {
  server: string;
  title: string;
  greeting: string;
  position: 'left' | 'right';
  theme: Theme;
}

/** Before this long, "Connecting…" would only flash by. */
const CONNECTING_NOTICE_MS = 1200;

export function Widget(config: WidgetConfig) {
  const handle = useChat(config.server);
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const visible = usePageVisible();
  const unread = useUnread(handle, open && visible);
  const notices = useNotices(handle);
  const launcher = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);

  useLayoutEffect(() => {
    if (open) handle.start();
    else if (wasOpen.current) launcher.current?.focus();
    wasOpen.current = open;
  }, [open]);

  const { accent, onAccent, ring } = config.theme;
  const launcherName = open
    ? strings.closeChat
    : unread > 0
      ? strings.openChatUnread(unread)
      : strings.openChat;

  return (
    <div
      class={`widget ${config.position}${open ? ' open' : ''}`}
      onKeyDown={(event) => {
        if (event.key !== 'Escape' || !open) return;
        event.stopPropagation();
        setOpen(false);
      }}
      style={{
        '--cw-accent': accent,
        '--cw-on-accent': onAccent,
        '--cw-ring': ring,
      }}
    >
      <button
        type="button"
        part="launcher"
        class="launcher"
        ref={launcher}
        aria-label={launcherName}
        aria-expanded={open ? 'true' : 'false'}
        aria-controls={open ? 'cw-panel' : undefined}
        onClick={() => setOpen(!open)}
      >
        {open ? <CloseIcon /> : <ChatIcon />}
        {unread > 0 && !open && (
          <span class="badge" aria-hidden="true">
            {unread > 9 ? '9+' : unread}
          </span>
        )}
      </button>
      {open && (
        <Panel
          {...config}
          handle={handle}
          notices={notices.list}
          onHandoff={notices.add}
          text={text}
          onText={setText}
          onClose={() => setOpen(false)}
        />
      )}
    </div>
  );
}

interface PanelProps extends WidgetConfig {
  handle: ChatHandle;
  notices: LocalNotice[];
  onHandoff: (text: string) => void;
  text: string;
  onText: (text: string) => void;
  onClose: () => void;
}

function Panel(props: PanelProps) {
  const { handle, title, onClose } = props;
  const { chat, state } = handle;
  const aiEnabled = state.session?.aiEnabled ?? false;
  const [askingHuman, setAskingHuman] = useState(false);
  const showConnecting = useDelayed(
    state.connection === 'connecting',
    CONNECTING_NOTICE_MS,
  );
  const panel = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => {
    // On a phone the panel fills the screen: focus the dialog rather than raise the keyboard.
    const narrow = matchMedia('(max-width: 480px)').matches;
    const textarea = panel.current?.querySelector('textarea');
    (narrow || !textarea ? panel.current : textarea)?.focus();
  }, []);

  const talkToPerson = () => {
    setAskingHuman(true);
    chat
      .requestHuman()
      .then(
        () => props.onHandoff(strings.handoffRequested),
        () => props.onHandoff(strings.handoffFailed),
      )
      .finally(() => setAskingHuman(false));
  };

  return (
    <div
      id="cw-panel"
      class="panel"
      role="dialog"
      aria-label={title}
      tabIndex={-1}
      ref={panel}
    >
      <div class="header">
        <span class="avatar" aria-hidden="true">
          {aiEnabled ? <SparkIcon /> : <PersonIcon />}
        </span>
        <div class="heading">
          <h2 class="title">{title}</h2>
          <p class="subtitle">
            {aiEnabled ? strings.subtitleAssistant : strings.subtitlePerson}
          </p>
        </div>
        <button
          type="button"
          class="icon-button"
          aria-label={strings.closeChat}
          onClick={onClose}
        >
          <ChevronDownIcon />
        </button>
      </div>
      <div class="status" role="status">
        {state.connection === 'reconnecting' ? (
          <p class="banner">{strings.reconnecting}</p>
        ) : showConnecting ? (
          <p class="banner">{strings.connecting}</p>
        ) : null}
      </div>
      <MessageList
        chat={chat}
        state={state}
        title={title}
        greeting={props.greeting}
        notices={props.notices}
      />
      <div class="footer">
        {aiEnabled && (
          <button
            type="button"
            class="handoff"
            disabled={askingHuman}
            onClick={talkToPerson}
          >
            <PersonIcon />
            {strings.talkToPerson}
          </button>
        )}
        <Composer
          chat={chat}
          ready={state.sessionId !== null}
          text={props.text}
          onText={props.onText}
        />
      </div>
    </div>
  );
}

/** The widget's own notices: the hand-off, and the session being resolved or reopened. */
function useNotices({ state }: ChatHandle) {
  const [list, setList] = useState<LocalNotice[]>([]);
  const status = useRef<SessionStatus | null>(null);
  const latest = state.messages.at(-1)?.id ?? null;
  const add = (text: string) =>
    setList((current) => [
      ...current,
      { key: current.length, text, after: latest },
    ]);

  const now = state.session?.status ?? null;
  useEffect(() => {
    const before = status.current;
    status.current = now;
    if (now === 'resolved' && before !== 'resolved') add(strings.resolved);
    if (now === 'open' && before === 'resolved') add(strings.reopened);
  }, [now]);

  return { list, add };
}

function useDelayed(value: boolean, delayMs: number): boolean {
  const [delayed, setDelayed] = useState(false);
  useEffect(() => {
    if (!value) {
      setDelayed(false);
      return;
    }
    const timer = setTimeout(() => setDelayed(true), delayMs);
    return () => clearTimeout(timer);
  }, [value]);
  return delayed;
}
