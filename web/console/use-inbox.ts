import { useCallback, useEffect, useReducer, useRef } from 'preact/hooks';
import {
  AdminEvent,
  AdminServerEvent,
  isSearchableText,
  type AgentChat,
  type SessionSummary,
} from '../client';
import { errorText } from './format';
import {
  inboxReducer,
  initialInbox,
  matchesQuery,
  type InboxState,
  type Tab,
} from './inbox';

const PAGE_SIZE = 50;
/** "Mine" filters open sessions here (the server has no assignee filter): read a few pages per click. */
const MINE_PAGE_SIZE = 200;
const MINE_PAGES_PER_LOAD = 5;
const MINE_ENOUGH = 20;

interface Page {
  sessions: SessionSummary[];
  nextCursor: string | null;
}

/**
 * The server searches message text only for queries it can look up in its index (three letters or digits
 * in a row); a shorter query filters the page by what the list shows, as the Live tab does.
 */
async function fetchPage(
  agent: AgentChat,
  tab: Tab,
  query: string,
  cursor: string | null,
): Promise<Page> {
  if (!query || isSearchableText(query)) {
    return fetchServerPage(agent, tab, query || undefined, cursor);
  }
  const page = await fetchServerPage(agent, tab, undefined, cursor);
  return {
    sessions: page.sessions.filter((session) => matchesQuery(session, query)),
    nextCursor: page.nextCursor,
  };
}

async function fetchServerPage(
  agent: AgentChat,
  tab: Tab,
  q: string | undefined,
  cursor: string | null,
): Promise<Page> {
  const at = cursor ?? undefined;
  if (tab === 'live') {
    const { sessions } = await agent.socket.request(
      AdminEvent.GetSessions,
      undefined,
    );
    return { sessions, nextCursor: null };
  }
  if (tab !== 'mine') {
    const { sessions, nextCursor } = await agent.socket.request(
      AdminEvent.GetAllSessions,
      { status: tab, q, cursor: at, limit: PAGE_SIZE },
    );
    return { sessions, nextCursor };
  }
  const me = agent.admin.id;
  const mine: SessionSummary[] = [];
  let next = at;
  for (let page = 0; page < MINE_PAGES_PER_LOAD; page++) {
    const { sessions, nextCursor } = await agent.socket.request(
      AdminEvent.GetAllSessions,
      { status: 'open', q, cursor: next, limit: MINE_PAGE_SIZE },
    );
    mine.push(...sessions.filter((s) => s.assignedAdminId === me));
    next = nextCursor ?? undefined;
    if (!next || mine.length >= MINE_ENOUGH) break;
  }
  return { sessions: mine, nextCursor: next ?? null };
}

export interface Inbox {
  state: InboxState;
  show: (tab: Tab, query: string) => void;
  loadMore: () => void;
  reload: () => void;
  removed: (sessionId: string) => void;
  /** A summary learnt elsewhere (the details of a conversation opened from an alert). */
  learnt: (session: SessionSummary) => void;
}

/** The conversation lists, loaded over `/admin` and kept live by its events. */
export function useInbox(agent: AgentChat): Inbox {
  const [state, dispatch] = useReducer(inboxReducer, initialInbox);
  const current = useRef(state);
  current.current = state;
  const requests = useRef(0);
  const started = useRef(agent.connectionState === 'online');

  const load = useCallback(
    (tab: Tab, query: string, more: boolean) => {
      const request = ++requests.current;
      const cursor = more ? current.current.nextCursor : null;
      dispatch(
        more
          ? { type: 'loading-more', request }
          : { type: 'show', tab, query, request },
      );
      if (!agent.socket.connected) return;
      fetchPage(agent, tab, query, cursor).then(
        ({ sessions, nextCursor }) => {
          if (tab === 'live') dispatch({ type: 'live-list', sessions });
          dispatch({
            type: 'page',
            request,
            sessions,
            nextCursor,
            append: more,
          });
        },
        (error: unknown) =>
          dispatch({ type: 'page-failed', request, error: errorText(error) }),
      );
    },
    [agent],
  );

  useEffect(() => {
    const me = agent.admin.id;
    const stops = [
      agent.socket.on(AdminServerEvent.SessionsList, (sessions) =>
        dispatch({ type: 'live-list', sessions }),
      ),
      agent.socket.on(AdminServerEvent.SessionUpdated, ({ session }) =>
        dispatch({ type: 'updated', session, me }),
      ),
      agent.socket.on(AdminServerEvent.NewMessage, ({ sessionId, message }) =>
        dispatch({
          type: 'patch',
          sessionId,
          // Its session-updated follows with the new time, which is what moves the row up.
          changes: { lastMessage: message.content },
        }),
      ),
      agent.socket.on(
        AdminServerEvent.AiModeChanged,
        ({ sessionId, enabled }) =>
          dispatch({
            type: 'patch',
            sessionId,
            changes: { aiEnabled: enabled },
          }),
      ),
      agent.on('connection', (connection) => {
        // The first connection loads the tab shown; later ones are `reconnected`.
        if (connection !== 'online' || started.current) return;
        started.current = true;
        load(current.current.tab, current.current.query, false);
      }),
      agent.on('reconnected', () =>
        load(current.current.tab, current.current.query, false),
      ),
    ];
    return () => stops.forEach((stop) => stop());
  }, [agent, load]);

  return {
    state,
    show: (tab, query) => load(tab, query, false),
    loadMore: () => load(current.current.tab, current.current.query, true),
    reload: () => load(current.current.tab, current.current.query, false),
    removed: (sessionId) => dispatch({ type: 'removed', sessionId }),
    learnt: (session) => dispatch({ type: 'learnt', session }),
  };
}
