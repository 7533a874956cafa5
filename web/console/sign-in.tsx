import { useEffect, useRef, useState } from 'preact/hooks';
import { ChatError, signIn, type AgentCredentials } from '../client';
import { strings } from './strings';

function signInError(error: unknown): string {
  if (!(error instanceof ChatError)) return strings.signIn.unreachable;
  switch (error.code) {
    case 'UNAUTHORIZED':
      return strings.signIn.wrongCredentials;
    case 'RATE_LIMITED': {
      const wait = error.retryAfterMs;
      return wait === undefined
        ? strings.signIn.rateLimitedNoWait
        : strings.signIn.rateLimited(Math.max(1, Math.ceil(wait / 1000)));
    }
    case 'UNAVAILABLE':
      return strings.signIn.unreachable;
    default:
      return strings.signIn.failed(error.message);
  }
}

export function SignIn({
  url,
  notice,
  onSignedIn,
}: {
  url: string;
  /** Why the agent is here again (signed out, expired, refused). */
  notice: { text: string; warning: boolean } | null;
  onSignedIn: (credentials: AgentCredentials) => void;
}) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const emailInput = useRef<HTMLInputElement>(null);

  useEffect(() => emailInput.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(url, email.trim(), password));
    } catch (failure) {
      setError(signInError(failure));
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form class="sign-in-card" onSubmit={submit} noValidate>
        <div class="brand brand-large" aria-hidden="true">
          <span class="brand-mark" />
        </div>
        <h1>{strings.signIn.title}</h1>
        <p class="muted">{strings.signIn.intro}</p>
        {notice && !error && (
          <p class={`notice${notice.warning ? ' warning' : ''}`} role="status">
            {notice.text}
          </p>
        )}
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <label class="field">
          <span>{strings.signIn.email}</span>
          <input
            ref={emailInput}
            type="email"
            name="email"
            autocomplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>{strings.signIn.password}</span>
          <input
            type="password"
            name="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <button
          type="submit"
          class="button primary wide"
          disabled={busy}
          aria-busy={busy}
        >
          {strings.signIn.submit}
        </button>
      </form>
    </main>
  );
}
