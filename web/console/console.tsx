import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  AgentChat,
  ChatError,
  type AgentCredentials,
  type AgentView,
  type ConnectionState,
  type SessionSummary,
  type SignOutReason,
} from '../client';
import { Accounts } from './accounts';
import { Avatar } from './avatar';
import { AlertList, useAlerts } from './alerts';
import { ConversationView } from './conversation-view';
import { DetailsPanel } from './details-panel';
import { errorText, userLabel } from './format';
import { fetchSessionDetails, type SessionDetails } from './session-details';
import { SessionList } from './session-list';
import { strings } from './strings';
import { useConversation } from './use-conversation';
import { useInbox } from './use-inbox';

type View = 'inbox' | 'accounts';

const HASH_PREFIX = '#conversation/';

/** The open conversation survives a reload through the address: `#conversation/<id>`. */
function sessionFromHash(): string | null {
  const hash = location.hash;
  return hash.startsWith(HASH_PREFIX)
    ? decodeURIComponent(hash.slice(HASH_PREFIX.length)) || null
    : null;
}

function setHash(sessionId: string | null): void {
  const url = sessionId
    ? `${location.pathname}${location.search}${HASH_PREFIX}${encodeURIComponent(sessionId)}`
    : `${location.pathname}${location.search}`;
  history.replaceState(null, '', url);
}

/** Accounts in the server's order: by name, then email. */
function byName(accounts: AgentView[]): AgentView[] {
  return accounts.sort(
    (a, b) => a.name.localeCompare(b.name) || a.email.localeCompare(b.email),
  );
}

function Header({
  agent,
  view,
  onView,
  notifications,
  onEnableNotifications,
}: {
  agent: AgentChat;
  view: View;
  onView: (view: View) => void;
  notifications: NotificationPermission | 'unsupported';
  onEnableNotifications: () => void;
}) {
  const admin = agent.admin;
  return (
    <header class="topbar">
      <div class="brand">
        <span class="brand-mark" aria-hidden="true" />
        <span class="brand-name">{strings.appName}</span>
      </div>
      {admin.role === 'admin' && (
        <div class="view-switch">
          <button
            type="button"
            class="view-button"
            aria-current={view === 'inbox' ? 'page' : undefined}
            onClick={() => onView('inbox')}
          >
            {strings.header.conversations}
          </button>
          <button
            type="button"
            class="view-button"
            aria-current={view === 'accounts' ? 'page' : undefined}
            onClick={() => onView('accounts')}
          >
            {strings.header.accounts}
          </button>
        </div>
      )}
      <div class="topbar-end">
        {notifications === 'default' && (
          <button
            type="button"
            class="button subtle small"
            onClick={onEnableNotifications}
          >
            {strings.header.enableNotifications}
          </button>
        )}
        {notifications === 'denied' && (
          <span class="muted small">{strings.header.notificationsBlocked}</span>
        )}
        <div class="me">
          <span class="me-avatar" aria-hidden="true">
            {admin.name.slice(0, 1).toUpperCase()}
          </span>
          <span class="me-text">
            <span class="sr-only">{strings.header.signedInAs(admin.name)}</span>
            <span aria-hidden="true" class="me-name">
              {admin.name}
            </span>
            <span class="me-role">
              {admin.role === 'admin'
                ? strings.header.roleAdmin
                : strings.header.roleAgent}
            </span>
          </span>
        </div>
        <button
          type="button"
          class="button subtle small"
          onClick={() => agent.signOut()}
        >
          {strings.header.signOut}
        </button>
      </div>
    </header>
  );
}

function ConnectionBanner({ connection }: { connection: ConnectionState }) {
  return (
    <div
      role="status"
      class={`connection-banner ${connection === 'online' ? '' : connection}`}
    >
      {connection === 'reconnecting'
        ? strings.connection.reconnecting
        : connection === 'connecting'
          ? strings.connection.connecting
          : ''}
    </div>
  );
}

export function Console({
  credentials,
  onSignedOut,
}: {
  credentials: AgentCredentials;
  onSignedOut: (reason: SignOutReason) => void;
}) {
  const [agent] = useState(() => new AgentChat(credentials));
  const me = agent.admin.id;
  const [connection, setConnection] = useState<ConnectionState>(
    agent.connectionState,
  );
  const [everOnline, setEverOnline] = useState(false);
  const [view, setView] = useState<View>('inbox');
  const [selectedId, setSelectedId] = useState<string | null>(sessionFromHash);
  const [accounts, setAccounts] = useState<AgentView[]>([]);
  const [accountsLoaded, setAccountsLoaded] = useState(false);
  const [details, setDetails] = useState<SessionDetails | null>(null);
  const [detailsError, setDetailsError] = useState<{
    message: string;
    gone: boolean;
  } | null>(null);
  const [aiUnavailable, setAiUnavailable] = useState(false);
  const signedOut = useRef(onSignedOut);
  signedOut.current = onSignedOut;

  const inbox = useInbox(agent);
  const open = useConversation(agent, selectedId, everOnline);

  const select = (sessionId: string | null) => {
    setSelectedId(sessionId);
    setHash(sessionId);
    if (sessionId) setView('inbox');
  };
  const alerts = useAlerts(agent, select);

  const loadAccounts = () =>
    agent.listAgents().then(
      (list) => {
        setAccounts(list);
        setAccountsLoaded(true);
      },
      () => undefined,
    );

  // Subscribed after the hooks above, so nothing the first connection brings is missed.
  useEffect(() => {
    const stops = [
      agent.on('connection', (state) => {
        setConnection(state);
        if (state === 'online') setEverOnline(true);
      }),
      agent.on('signed-out', (reason) => signedOut.current(reason)),
      agent.on('reconnected', () => void loadAccounts()),
    ];
    agent.start();
    void loadAccounts();
    return () => {
      stops.forEach((stop) => stop());
      agent.signOut();
    };
  }, [agent]);

  useEffect(() => {
    setDetails(null);
    setDetailsError(null);
    if (!selectedId) return;
    let current = true;
    fetchSessionDetails(agent, selectedId).then(
      (found) => {
        if (!current) return;
        setDetails(found);
        if (!inbox.state.summaries[found.sessionId]) inbox.learnt(found);
      },
      (error: unknown) => {
        if (!current) return;
        const gone = error instanceof ChatError && error.code === 'NOT_FOUND';
        setDetailsError({ message: errorText(error), gone });
        if (gone) inbox.removed(selectedId);
      },
    );
    return () => {
      current = false;
    };
  }, [agent, selectedId]);

  const agentNames = useMemo(
    () => new Map(accounts.map((account) => [account.id, account.name])),
    [accounts],
  );

  const summary: SessionSummary | undefined = selectedId
    ? (inbox.state.summaries[selectedId] ?? details ?? undefined)
    : undefined;
  const failure =
    open.error?.gone || detailsError?.gone
      ? { message: strings.conversation.gone, gone: true }
      : open.error;

  return (
    <div class="app">
      <a class="skip-link" href="#main-content">
        {strings.header.skipToConversation}
      </a>
      <Header
        agent={agent}
        view={view}
        onView={setView}
        notifications={alerts.permission}
        onEnableNotifications={alerts.requestPermission}
      />
      <ConnectionBanner connection={connection} />
      <AlertList
        alerts={alerts.alerts}
        onOpen={(sessionId) => {
          alerts.dismissSession(sessionId);
          select(sessionId);
        }}
        onDismiss={alerts.dismiss}
      />
      {view === 'accounts' ? (
        <main class="page" id="main-content">
          <Accounts
            agent={agent}
            accounts={accounts}
            loaded={accountsLoaded}
            onChanged={(account) =>
              setAccounts((list) =>
                byName([
                  ...list.filter((other) => other.id !== account.id),
                  account,
                ]),
              )
            }
          />
        </main>
      ) : (
        <div class={`workspace${selectedId ? '' : ' no-details'}`}>
          <nav class="sidebar" aria-label={strings.inbox.navLabel}>
            <SessionList
              inbox={inbox}
              me={me}
              agentNames={agentNames}
              selectedId={selectedId}
              onSelect={select}
            />
          </nav>
          <main class="conversation" id="main-content">
            {!selectedId ? (
              <div class="empty-state">
                <div class="empty-art" aria-hidden="true">
                  <span />
                  <span />
                </div>
                <h1 class="empty-title">{strings.conversation.empty}</h1>
                <p class="muted">{strings.conversation.emptyHint}</p>
              </div>
            ) : (
              <>
                <div class="conversation-header">
                  <div class="conversation-title">
                    <Avatar
                      sessionId={selectedId}
                      live={summary?.isActive ?? false}
                      large
                    />
                    <div>
                      <h1>{summary?.user ?? userLabel(selectedId)}</h1>
                      <p class="muted small">
                        {summary?.isActive
                          ? strings.conversation.online
                          : strings.conversation.offline}
                      </p>
                    </div>
                  </div>
                  {summary && (
                    <span
                      class={`pill ${summary.status === 'resolved' ? 'pill-done' : 'pill-open'}`}
                    >
                      {summary.status === 'resolved'
                        ? strings.conversation.statusResolved
                        : strings.conversation.statusOpen}
                    </span>
                  )}
                </div>
                {failure ? (
                  <div class="empty-state">
                    <p>
                      {failure.gone
                        ? failure.message
                        : strings.conversation.openFailed(failure.message)}
                    </p>
                  </div>
                ) : open.conversation && open.state ? (
                  <ConversationView
                    conversation={open.conversation}
                    state={open.state}
                    summary={summary}
                    me={me}
                    agentNames={agentNames}
                  />
                ) : (
                  <div class="empty-state">
                    <p class="muted">{strings.conversation.loading}</p>
                  </div>
                )}
              </>
            )}
          </main>
          <aside class="details-pane" aria-label={strings.details.label}>
            {summary && !failure?.gone && (
              <DetailsPanel
                agent={agent}
                summary={summary}
                details={details}
                agents={accounts}
                aiUnavailable={aiUnavailable}
                onAiUnavailable={() => setAiUnavailable(true)}
                onErased={() => {
                  inbox.removed(summary.sessionId);
                  select(null);
                }}
              />
            )}
          </aside>
        </div>
      )}
    </div>
  );
}
