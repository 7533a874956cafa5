import type { SessionSummary } from '../client';

export const TABS = ['live', 'open', 'resolved', 'mine'] as const;
export type Tab = (typeof TABS)[number];

export type ListStatus = 'loading' | 'loaded' | 'error';

/** The conversation lists: every summary seen, the live list (always kept), and the current tab's list. */
export interface InboxState {
  summaries: Readonly<Record<string, SessionSummary>>;
  /** Sessions with a visitor connected, newest activity first (`sessions-list`). */
  live: readonly string[];
  liveLoaded: boolean;
  tab: Tab;
  /** The search as sent to the server (trimmed). */
  query: string;
  /** The current tab's list when it is not Live. */
  ids: readonly string[];
  nextCursor: string | null;
  status: ListStatus;
  loadingMore: boolean;
  error: string | null;
  /** Which request the list is waiting for: older answers are ignored. */
  request: number;
}

export const initialInbox: InboxState = {
  summaries: {},
  live: [],
  liveLoaded: false,
  tab: 'live',
  query: '',
  ids: [],
  nextCursor: null,
  status: 'loading',
  loadingMore: false,
  error: null,
  request: 0,
};

export type InboxAction =
  | { type: 'live-list'; sessions: SessionSummary[] }
  | { type: 'show'; tab: Tab; query: string; request: number }
  | { type: 'loading-more'; request: number }
  | {
      type: 'page';
      request: number;
      sessions: SessionSummary[];
      nextCursor: string | null;
      append: boolean;
    }
  | { type: 'page-failed'; request: number; error: string }
  | { type: 'updated'; session: SessionSummary; me: string }
  | { type: 'patch'; sessionId: string; changes: Partial<SessionSummary> }
  | { type: 'learnt'; session: SessionSummary }
  | { type: 'removed'; sessionId: string };

/** Whether a session belongs in a tab's list, as far as its summary tells. */
export function belongsTo(tab: Tab, session: SessionSummary, me: string) {
  switch (tab) {
    case 'live':
      return session.isActive;
    case 'open':
      return session.status === 'open';
    case 'resolved':
      return session.status === 'resolved';
    case 'mine':
      return session.status === 'open' && session.assignedAdminId === me;
  }
}

/**
 * The server searches message text; a summary only shows the last message, so a session already listed
 * stays listed and a new one joins when its last message (or its label) matches.
 */
export function matchesQuery(session: SessionSummary, query: string): boolean {
  if (!query) return true;
  const needle = query.toLowerCase();
  return (
    session.lastMessage.toLowerCase().includes(needle) ||
    session.user.toLowerCase().includes(needle)
  );
}

/** The Live list filtered by the search box: the server has no search for live sessions. */
export function visibleLive(state: InboxState): string[] {
  return state.live.filter((id) => {
    const session = state.summaries[id];
    return session !== undefined && matchesQuery(session, state.query);
  });
}

function withSummaries(
  summaries: InboxState['summaries'],
  sessions: readonly SessionSummary[],
): InboxState['summaries'] {
  const next = { ...summaries };
  for (const session of sessions) next[session.sessionId] = session;
  return next;
}

function uniqueIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)];
}

/**
 * A changed session in a list: dropped when it no longer belongs, put on top when it is new to the list
 * or had newer activity, and otherwise left where it is (reading or assigning does not reorder the list).
 */
function place(
  ids: readonly string[],
  session: SessionSummary,
  previous: SessionSummary | undefined,
  belongs: boolean,
): readonly string[] {
  const id = session.sessionId;
  const present = ids.includes(id);
  if (!belongs) return present ? ids.filter((other) => other !== id) : ids;
  const newer =
    !present || !previous || previous.timestamp !== session.timestamp;
  if (!newer) return ids;
  return [id, ...ids.filter((other) => other !== id)];
}

export function inboxReducer(
  state: InboxState,
  action: InboxAction,
): InboxState {
  switch (action.type) {
    case 'live-list':
      return {
        ...state,
        summaries: withSummaries(state.summaries, action.sessions),
        live: uniqueIds(action.sessions.map((session) => session.sessionId)),
        liveLoaded: true,
      };
    case 'show':
      return {
        ...state,
        tab: action.tab,
        query: action.query,
        ids: [],
        nextCursor: null,
        status: 'loading',
        loadingMore: false,
        error: null,
        request: action.request,
      };
    case 'loading-more':
      return { ...state, loadingMore: true, request: action.request };
    case 'page': {
      if (action.request !== state.request) return state;
      const ids = action.sessions.map((session) => session.sessionId);
      return {
        ...state,
        summaries: withSummaries(state.summaries, action.sessions),
        ids: uniqueIds(action.append ? [...state.ids, ...ids] : ids),
        nextCursor: action.nextCursor,
        status: 'loaded',
        loadingMore: false,
        error: null,
      };
    }
    case 'page-failed':
      if (action.request !== state.request) return state;
      return {
        ...state,
        status: state.loadingMore ? state.status : 'error',
        loadingMore: false,
        error: action.error,
      };
    case 'updated': {
      const { session, me } = action;
      const previous = state.summaries[session.sessionId];
      const listed = state.ids.includes(session.sessionId);
      return {
        ...state,
        summaries: { ...state.summaries, [session.sessionId]: session },
        live: place(state.live, session, previous, session.isActive),
        ids:
          state.tab === 'live' || state.status !== 'loaded'
            ? state.ids
            : place(
                state.ids,
                session,
                previous,
                belongsTo(state.tab, session, me) &&
                  (listed || matchesQuery(session, state.query)),
              ),
      };
    }
    case 'patch': {
      const previous = state.summaries[action.sessionId];
      if (!previous) return state;
      return {
        ...state,
        summaries: {
          ...state.summaries,
          // Summaries are plain JSON from the wire, whatever their declared class.
          [action.sessionId]: Object.assign({}, previous, action.changes),
        },
      };
    }
    case 'learnt':
      return {
        ...state,
        summaries: withSummaries(state.summaries, [action.session]),
      };
    case 'removed': {
      const summaries = { ...state.summaries };
      delete summaries[action.sessionId];
      return {
        ...state,
        summaries,
        live: state.live.filter((id) => id !== action.sessionId),
        ids: state.ids.filter((id) => id !== action.sessionId),
      };
    }
  }
}
