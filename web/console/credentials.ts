import type { AgentCredentials } from '../client';

const KEY = 'agent-console.credentials';

/**
 * The signed-in agent, kept for this tab only, so a reload stays signed in. An expired token is returned
 * too: starting with it signs out with the reason 'expired', which the sign-in page explains.
 */
export function loadCredentials(url: string): AgentCredentials | null {
  try {
    const stored = JSON.parse(
      sessionStorage.getItem(KEY) ?? 'null',
    ) as AgentCredentials | null;
    if (
      !stored ||
      stored.url !== url ||
      typeof stored.accessToken !== 'string' ||
      typeof stored.expiresAt !== 'number' ||
      !stored.admin?.id
    ) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return stored;
  } catch {
    return null;
  }
}

export function saveCredentials(credentials: AgentCredentials): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(credentials));
  } catch {
    // Storage can be full or disabled: the agent then signs in again after a reload.
  }
}

export function forgetCredentials(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing stored, nothing to forget.
  }
}
