import { useState } from 'preact/hooks';
import type { AgentChat, AgentView } from '../client';
import { errorText } from './format';
import { strings } from './strings';

type Role = AgentView['role'];

function CreateAccount({
  agent,
  onCreated,
}: {
  agent: AgentChat;
  onCreated: (account: AgentView) => void;
}) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{
    text: string;
    error: boolean;
  } | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const account = await agent.createAgent({ name, email, password, role });
      onCreated(account);
      setMessage({
        text: strings.accounts.created(account.name),
        error: false,
      });
      setName('');
      setEmail('');
      setPassword('');
      setRole('agent');
    } catch (failure) {
      setMessage({
        text: strings.accounts.failed(errorText(failure)),
        error: true,
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card create-account" onSubmit={submit} noValidate>
      <h2 class="card-title">{strings.accounts.createTitle}</h2>
      <div class="form-grid">
        <label class="field">
          <span>{strings.accounts.name}</span>
          <input
            value={name}
            autocomplete="off"
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>{strings.accounts.email}</span>
          <input
            type="email"
            value={email}
            autocomplete="off"
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>{strings.accounts.password}</span>
          <input
            type="password"
            value={password}
            autocomplete="new-password"
            aria-describedby="password-hint"
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          <small id="password-hint" class="muted">
            {strings.accounts.passwordHint}
          </small>
        </label>
        <label class="field">
          <span>{strings.accounts.role}</span>
          <select
            value={role}
            onChange={(e) => setRole(e.currentTarget.value as Role)}
          >
            <option value="agent">{strings.accounts.roles.agent}</option>
            <option value="admin">{strings.accounts.roles.admin}</option>
          </select>
        </label>
      </div>
      <div class="form-footer">
        <p
          class={message?.error ? 'inline-error' : 'inline-success'}
          aria-live="polite"
        >
          {message?.text}
        </p>
        <button
          type="submit"
          class="button primary"
          disabled={busy}
          aria-busy={busy}
        >
          {strings.accounts.create}
        </button>
      </div>
    </form>
  );
}

export function Accounts({
  agent,
  accounts,
  loaded,
  onChanged,
}: {
  agent: AgentChat;
  accounts: readonly AgentView[];
  loaded: boolean;
  onChanged: (account: AgentView) => void;
}) {
  const me = agent.admin.id;
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const update = async (
    account: AgentView,
    changes: { role?: Role; disabled?: boolean },
  ) => {
    setBusy(account.id);
    setError(null);
    try {
      onChanged(await agent.updateAgent(account.id, changes));
    } catch (failure) {
      setError(strings.accounts.failed(errorText(failure)));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="accounts">
      <div class="page-heading">
        <h1>{strings.accounts.title}</h1>
        <p class="muted">{strings.accounts.intro}</p>
      </div>
      <div class="card">
        <p class="inline-error" aria-live="assertive">
          {error}
        </p>
        {!loaded ? (
          <p class="muted">{strings.accounts.loading}</p>
        ) : (
          <table class="table" aria-label={strings.accounts.tableLabel}>
            <thead>
              <tr>
                <th scope="col">{strings.accounts.name}</th>
                <th scope="col">{strings.accounts.email}</th>
                <th scope="col">{strings.accounts.role}</th>
                <th scope="col">{strings.accounts.status}</th>
                <th scope="col">
                  <span class="sr-only">{strings.accounts.actions}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {accounts.map((account) => {
                const self = account.id === me;
                return (
                  <tr
                    key={account.id}
                    class={account.disabled ? 'muted-row' : ''}
                  >
                    <td>
                      {account.name}{' '}
                      {self && (
                        <span class="muted">{strings.accounts.you}</span>
                      )}
                    </td>
                    <td>{account.email}</td>
                    <td>
                      <select
                        aria-label={strings.accounts.roleFor(account.name)}
                        value={account.role}
                        disabled={busy === account.id || self}
                        onChange={(e) =>
                          void update(account, {
                            role: e.currentTarget.value as Role,
                          })
                        }
                      >
                        <option value="agent">
                          {strings.accounts.roles.agent}
                        </option>
                        <option value="admin">
                          {strings.accounts.roles.admin}
                        </option>
                      </select>
                    </td>
                    <td>
                      <span
                        class={`pill ${account.disabled ? 'pill-off' : 'pill-on'}`}
                      >
                        {account.disabled
                          ? strings.accounts.disabled
                          : strings.accounts.active}
                      </span>
                    </td>
                    <td class="cell-actions">
                      {!self && (
                        <button
                          type="button"
                          class={`button small ${account.disabled ? '' : 'danger-outline'}`}
                          disabled={busy === account.id}
                          aria-label={
                            account.disabled
                              ? strings.accounts.enableFor(account.name)
                              : strings.accounts.disableFor(account.name)
                          }
                          onClick={() =>
                            void update(account, {
                              disabled: !account.disabled,
                            })
                          }
                        >
                          {account.disabled
                            ? strings.accounts.enable
                            : strings.accounts.disable}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
      <CreateAccount agent={agent} onCreated={onChanged} />
    </div>
  );
}
