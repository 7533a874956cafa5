import { ChatError, type AgentChat, type SessionSummary } from '../client';
import { strings } from './strings';

/** `GET /api/admin/sessions/:id`: the summary fields plus what the server observed of the visitor. */
export interface SessionDetails extends SessionSummary {
  userAgent: string | null;
  ipAddress: string | null;
  createdAt: string;
}

/**
 * Loads one session's details. The typed client has no call for this route (and is shared with the widget),
 * so the console reads it itself. A refused token needs no handling here: the client's socket signs out.
 */
export async function fetchSessionDetails(
  agent: AgentChat,
  sessionId: string,
): Promise<SessionDetails> {
  const { url, accessToken } = agent.credentials;
  let response: Response;
  try {
    response = await fetch(
      `${url}/api/admin/sessions/${encodeURIComponent(sessionId)}`,
      { headers: { authorization: `Bearer ${accessToken}` } },
    );
  } catch {
    throw new ChatError('UNAVAILABLE', strings.errors.unreachable);
  }
  const body = (await response.json().catch(() => null)) as unknown;
  if (!response.ok) {
    const error = body as { code?: ChatError['code']; message?: string } | null;
    throw new ChatError(
      error?.code ?? 'INTERNAL',
      error?.message ?? strings.errors.requestFailed(response.status),
    );
  }
  return body as SessionDetails;
}
