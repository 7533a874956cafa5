import { useEffect, useState } from 'preact/hooks';
import {
  AdminEvent,
  ChatError,
  type AgentChat,
  type AgentView,
  type SessionSummary,
} from '../client';
import { browserName, dateTime, errorText } from './format';
import type { SessionDetails } from './session-details';
import { strings } from './strings';

const AI_SETTLE_MS = 5000;

/** Saves the conversation's export as a JSON file. */
function download(name: string, data: unknown): void {
  const blob = new Blob([JSON.stringify(data, null, 2)], {
    type: 'application/json',
  });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function DetailsPanel({
  agent,
  summary,
  details,
  agents,
  aiUnavailable,
  onAiUnavailable,
  onErased,
}: {
  agent: AgentChat;
  summary: SessionSummary;
  details: SessionDetails | null;
  agents: readonly AgentView[];
  /** The server said it has no AI key (UNAVAILABLE): said once here, for every conversation. */
  aiUnavailable: boolean;
  onAiUnavailable: () => void;
  onErased: () => void;
}) {
  const me = agent.admin;
  const sessionId = summary.sessionId;
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [aiError, setAiError] = useState<string | null>(null);
  /** The switch's position while the change travels: the server's `ai-mode-changed` settles it. */
  const [aiWanted, setAiWanted] = useState<boolean | null>(null);
  const [aiBusy, setAiBusy] = useState(false);

  useEffect(() => {
    setError(null);
    setAiError(null);
    setAiWanted(null);
  }, [sessionId]);

  useEffect(() => {
    if (aiWanted === null) return;
    if (aiWanted === summary.aiEnabled) {
      setAiWanted(null);
      return;
    }
    // Should the announcement be lost (a reconnect), the list's next summary is the truth.
    const timer = setTimeout(() => setAiWanted(null), AI_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [aiWanted, summary.aiEnabled]);

  const run = async (name: string, action: () => Promise<unknown>) => {
    setBusy(name);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(strings.details.failed(errorText(failure)));
    } finally {
      setBusy(null);
    }
  };

  const toggleAi = async (enabled: boolean) => {
    setAiError(null);
    setAiWanted(enabled);
    setAiBusy(true);
    try {
      await agent.socket.request(AdminEvent.ToggleAiMode, {
        sessionId,
        enabled,
      });
    } catch (failure) {
      setAiWanted(null);
      if (failure instanceof ChatError && failure.code === 'UNAVAILABLE') {
        onAiUnavailable();
      } else {
        setAiError(strings.details.failed(errorText(failure)));
      }
    } finally {
      setAiBusy(false);
    }
  };

  const assignee = summary.assignedAdminId;
  const choices = agents.filter(
    (account) => !account.disabled || account.id === assignee,
  );
  const unknownAssignee =
    assignee !== null && !choices.some((account) => account.id === assignee);
  const aiOn = aiWanted ?? summary.aiEnabled;
  const resolved = summary.status === 'resolved';
  const browser = browserName(details?.userAgent ?? null);

  return (
    <div class="details">
      <section class="panel-section" aria-labelledby="actions-title">
        <h2 id="actions-title" class="section-title">
          {strings.details.actions}
        </h2>
        <div class="switch-row">
          <label class="switch">
            <input
              type="checkbox"
              checked={aiOn}
              disabled={aiBusy}
              aria-describedby="ai-hint"
              onChange={(event) => void toggleAi(event.currentTarget.checked)}
            />
            <span class="switch-track" aria-hidden="true">
              <span class="switch-thumb" />
            </span>
            <span class="switch-label">{strings.details.aiAssistant}</span>
          </label>
        </div>
        <p id="ai-hint" class="hint muted">
          {aiOn ? strings.details.aiOnHint : strings.details.aiOffHint}
        </p>
        {aiUnavailable && !aiOn && (
          <p class="info-note" aria-live="polite">
            {strings.details.aiUnavailable}
          </p>
        )}
        {aiError && (
          <p class="inline-error" aria-live="assertive">
            {aiError}
          </p>
        )}

        <label class="field compact">
          <span>{strings.details.assignee}</span>
          <select
            value={assignee ?? ''}
            disabled={busy === 'assign'}
            onChange={(event) => {
              const value = event.currentTarget.value;
              void run('assign', () =>
                agent.socket.request(AdminEvent.AssignSession, {
                  sessionId,
                  adminId: value || null,
                }),
              );
            }}
          >
            <option value="">{strings.details.unassigned}</option>
            {choices.map((account) => (
              <option key={account.id} value={account.id}>
                {account.id === me.id
                  ? strings.details.you(account.name)
                  : account.disabled
                    ? strings.details.disabledAgent(account.name)
                    : account.name}
              </option>
            ))}
            {unknownAssignee && (
              <option value={assignee}>{strings.details.unknown}</option>
            )}
          </select>
        </label>

        <div class="button-row">
          {resolved ? (
            <button
              type="button"
              class="button"
              disabled={busy === 'status'}
              onClick={() =>
                void run('status', () =>
                  agent.socket.request(AdminEvent.ReopenSession, { sessionId }),
                )
              }
            >
              {strings.details.reopen}
            </button>
          ) : (
            <button
              type="button"
              class="button success"
              disabled={busy === 'status'}
              onClick={() =>
                void run('status', () =>
                  agent.socket.request(AdminEvent.ResolveSession, {
                    sessionId,
                  }),
                )
              }
            >
              {strings.details.resolve}
            </button>
          )}
        </div>
        {error && (
          <p class="inline-error" aria-live="assertive">
            {error}
          </p>
        )}
      </section>

      <section class="panel-section" aria-labelledby="visitor-title">
        <h2 id="visitor-title" class="section-title">
          {strings.details.visitor}
        </h2>
        <dl class="facts">
          <dt>{strings.details.visitor}</dt>
          <dd>{summary.user}</dd>
          <dt>{strings.details.status}</dt>
          <dd>
            {resolved
              ? strings.conversation.statusResolved
              : strings.conversation.statusOpen}
            {strings.separator}
            {summary.isActive
              ? strings.conversation.online
              : strings.conversation.offline}
          </dd>
          <dt>{strings.details.started}</dt>
          <dd>{details ? dateTime(details.createdAt) : strings.none}</dd>
          <dt>{strings.details.browser}</dt>
          <dd>{browser ?? strings.details.unknown}</dd>
          <dt>{strings.details.address}</dt>
          <dd>{details?.ipAddress ?? strings.details.unknown}</dd>
        </dl>
      </section>

      {me.role === 'admin' && (
        <section class="panel-section" aria-labelledby="data-title">
          <h2 id="data-title" class="section-title">
            {strings.details.adminOnly}
          </h2>
          <div class="button-row">
            <button
              type="button"
              class="button"
              disabled={busy === 'export'}
              onClick={() =>
                void run('export', async () =>
                  download(
                    `conversation-${sessionId}.json`,
                    await agent.exportSession(sessionId),
                  ),
                )
              }
            >
              {strings.details.export}
            </button>
            <button
              type="button"
              class="button danger"
              disabled={busy === 'erase'}
              onClick={() => {
                if (!window.confirm(strings.details.eraseConfirm)) return;
                void run('erase', async () => {
                  await agent.eraseSession(sessionId);
                  onErased();
                });
              }}
            >
              {strings.details.erase}
            </button>
          </div>
        </section>
      )}
    </div>
  );
}
