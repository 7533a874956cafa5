import { useEffect, useRef, useState } from 'preact/hooks';
import type { SessionSummary } from '../client';
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
  assignee: string | null;
  onSelect: () => void;
}) {
  const when = relativeTime(session.timestamp, now);
  const preview = session.lastMessage || strings.inbox.noMessages;
  const descriptionId = `row-desc-${session.sessionId}`;
  const name = [
    session.user,
    session.isActive ? strings.inbox.online : null,
    session.unreadCount > 0 ? strings.inbox.unread(session.unreadCount) : null,
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <li>
      <button
        type="button"
        class={`session-row${selected ? ' selected' : ''}${session.unreadCount > 0 ? ' has-unread' : ''}`}
        data-session-id={session.sessionId}
        aria-label={name}
        aria-describedby={descriptionId}
        aria-current={selected ? 'true' : undefined}
        onClick={onSelect}
      >
        <span class="avatar" aria-hidden="true">
          {session.user.slice(5, 7).toUpperCase()}
          {session.isActive && <span class="live-dot" />}
        </span>
        <span class="row-body">
          <span class="row-top">
            <span class="row-user">{session.user}</span>
            <time class="row-time" dateTime={session.timestamp}>
              {when}
            </time>
          </span>
          <span class="row-bottom">
            <span class="row-preview">{preview}</span>
            {session.unreadCount > 0 && (
              <span class="unread-badge" aria-hidden="true">
                {session.unreadCount > 99 ? '99+' : session.unreadCount}
              </span>
            )}
          </span>
          <span class="row-tags">
            <span class={`tag ${session.aiEnabled ? 'tag-ai' : ''}`}>
              {session.aiEnabled ? strings.inbox.aiOn : strings.inbox.aiOff}
            </span>
            <span class="tag">{assignee ?? strings.inbox.unassigned}</span>
          </span>
          <span id={descriptionId} class="sr-only">
            {strings.inbox.rowDescription(preview, when)}.{' '}
            {session.aiEnabled ? strings.inbox.aiOn : strings.inbox.aiOff}.{' '}
            {assignee
              ? strings.inbox.assignedTo(assignee)
              : strings.inbox.unassigned}
            .
          </span>
        </span>
      </button>
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

  const assigneeName = (id: string | null) =>
    id === null
      ? null
      : id === me
        ? strings.inbox.you
        : (agentNames.get(id) ?? null);

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
