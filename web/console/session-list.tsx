import { useEffect, useRef, useState } from 'preact/hooks';
import type { SessionSummary } from '../client';
import { Avatar } from './avatar';
import { relativeTime } from './format';
import { TABS, visibleLive, type Tab } from './inbox';
import { strings } from './strings';
import type { Inbox } from './use-inbox';

const SEARCH_DELAY_MS = 300;
const CLOCK_TICK_MS = 30_000;

/** The current time, refreshed every half minute so "5m" becomes "6m" without a reload. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), CLOCK_TICK_MS);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function Tabs({
  tab,
  counts,
  onSelect,
}: {
  tab: Tab;
  counts: Partial<Record<Tab, number>>;
  onSelect: (tab: Tab) => void;
}) {
  const refs = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});
  const move = (event: KeyboardEvent) => {
    const index = TABS.indexOf(tab);
    const next =
      event.key === 'ArrowRight'
        ? TABS[(index + 1) % TABS.length]
        : event.key === 'ArrowLeft'
          ? TABS[(index + TABS.length - 1) % TABS.length]
          : event.key === 'Home'
            ? TABS[0]
            : event.key === 'End'
              ? TABS[TABS.length - 1]
              : undefined;
    if (!next) return;
    event.preventDefault();
    onSelect(next);
    refs.current[next]?.focus();
  };
  return (
    <div
      class="tabs"
      role="tablist"
      aria-label={strings.inbox.tabsLabel}
      onKeyDown={move}
    >
      {TABS.map((name) => (
        <button
          key={name}
          ref={(element) => {
            refs.current[name] = element;
          }}
          type="button"
          role="tab"
          id={`tab-${name}`}
          aria-selected={tab === name}
          aria-controls="session-panel"
          tabIndex={tab === name ? 0 : -1}
          class="tab"
          onClick={() => onSelect(name)}
        >
          {strings.inbox.tabs[name]}
          {counts[name] ? (
            <span class="tab-count" aria-hidden="true">
              {counts[name]}
            </span>
          ) : null}
        </button>
      ))}
    </div>
  );
}

/**
 * One row. The button holds only the visitor's label (and, for screen readers, online and unread), so its
 * name starts with the label and never contains visitor text; the rest of the row describes it, and the
 * button's ::after covers the whole row for the pointer.
 */
function SessionRow({
  session,
  selected,
  now,
  assignee,
  onSelect,
}: {
  session: SessionSummary;
  selected: boolean;
  now: number;
  /** "Unassigned", "Assigned to you" or "Assigned to <name>". */
  assignee: string;
  onSelect: () => void;
}) {
  const id = session.sessionId;
  const unread = session.unreadCount;
  return (
    <li
      class={`session-row${selected ? ' selected' : ''}${unread > 0 ? ' has-unread' : ''}`}
    >
      <Avatar sessionId={id} live={session.isActive} />
      <span class="row-body">
        <span class="row-top">
          <button
            type="button"
            class="row-button"
            data-session-id={id}
            aria-current={selected ? 'true' : undefined}
            aria-describedby={`row-preview-${id} row-time-${id} row-tags-${id}`}
            onClick={onSelect}
          >
            {session.user}
            <span class="sr-only">
              {session.isActive && strings.listSeparator + strings.inbox.online}
              {unread > 0 &&
                strings.listSeparator + strings.inbox.unread(unread)}
            </span>
          </button>
          <time
            id={`row-time-${id}`}
            class="row-time"
            dateTime={session.timestamp}
          >
            {relativeTime(session.timestamp, now)}
          </time>
        </span>
        <span class="row-bottom">
          <span id={`row-preview-${id}`} class="row-preview">
            {session.lastMessage || strings.inbox.noMessages}
          </span>
          {unread > 0 && (
            <span class="unread-badge" aria-hidden="true">
              {strings.inbox.unreadBadge(unread)}
            </span>
          )}
        </span>
        <span id={`row-tags-${id}`} class="row-tags">
          <span class={`tag ${session.aiEnabled ? 'tag-ai' : ''}`}>
            {session.aiEnabled ? strings.inbox.aiOn : strings.inbox.aiOff}
          </span>
          <span class="tag">{assignee}</span>
        </span>
      </span>
    </li>
  );
}

export function SessionList({
  inbox,
  me,
  agentNames,
  selectedId,
  onSelect,
}: {
  inbox: Inbox;
  me: string;
  agentNames: ReadonlyMap<string, string>;
  selectedId: string | null;
  onSelect: (sessionId: string) => void;
}) {
  const { state } = inbox;
  const now = useNow();
  const [search, setSearch] = useState(state.query);

  useEffect(() => {
    const query = search.trim();
    if (query === state.query) return;
    const timer = setTimeout(
      () => inbox.show(state.tab, query),
      SEARCH_DELAY_MS,
    );
    return () => clearTimeout(timer);
    // Only typing starts a search; the tab and query are read at that moment.
    // oxlint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);

  const live = state.tab === 'live';
  const ids = live ? visibleLive(state) : state.ids;
  const loading = live
    ? !state.liveLoaded && state.status === 'loading'
    : state.status === 'loading';
  const failed = !live && state.status === 'error';
  const sessions = ids
    .map((id) => state.summaries[id])
    .filter((session): session is SessionSummary => session !== undefined);

  const assigneeName = (id: string | null) => {
    if (id === null) return strings.inbox.unassigned;
    if (id === me) return strings.inbox.assignedToMe;
    const name = agentNames.get(id);
    return name ? strings.inbox.assignedTo(name) : strings.inbox.assignedElse;
  };

  return (
    <div class="inbox">
      <Tabs
        tab={state.tab}
        counts={{ live: state.live.length }}
        onSelect={(tab) => inbox.show(tab, search.trim())}
      />
      <div class="search">
        <input
          type="search"
          aria-label={strings.inbox.search}
          placeholder={strings.inbox.searchPlaceholder}
          value={search}
          onInput={(event) => setSearch(event.currentTarget.value)}
        />
      </div>
      <div
        id="session-panel"
        class="session-panel"
        role="tabpanel"
        aria-labelledby={`tab-${state.tab}`}
        aria-busy={loading}
      >
        {state.tab === 'mine' && (
          <p class="list-note muted">{strings.inbox.mineNote}</p>
        )}
        {loading && <p class="list-note muted">{strings.inbox.loading}</p>}
        {failed && (
          <div class="list-note">
            <p class="error-text">{strings.inbox.failed(state.error ?? '')}</p>
            <button type="button" class="button" onClick={inbox.reload}>
              {strings.inbox.retry}
            </button>
          </div>
        )}
        {!loading && !failed && sessions.length === 0 && (
          <p class="list-empty muted">
            {state.query
              ? strings.inbox.emptySearch
              : strings.inbox.empty[state.tab]}
          </p>
        )}
        {sessions.length > 0 && (
          <ul class="session-list">
            {sessions.map((session) => (
              <SessionRow
                key={session.sessionId}
                session={session}
                selected={session.sessionId === selectedId}
                now={now}
                assignee={assigneeName(session.assignedAdminId)}
                onSelect={() => onSelect(session.sessionId)}
              />
            ))}
          </ul>
        )}
        {!live && state.status === 'loaded' && state.error && (
          <p class="list-note error-text">
            {strings.inbox.failed(state.error)}
          </p>
        )}
        {!live && state.status === 'loaded' && state.nextCursor && (
          <div class="list-more">
            <button
              type="button"
              class="button"
              disabled={state.loadingMore}
              aria-busy={state.loadingMore}
              onClick={inbox.loadMore}
            >
              {strings.inbox.loadMore}
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
