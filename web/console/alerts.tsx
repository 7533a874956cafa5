import { useEffect, useRef, useState } from 'preact/hooks';
import { AdminServerEvent, type AgentChat } from '../client';
import { userLabel } from './format';
import { strings } from './strings';

export interface Alert {
  id: number;
  sessionId: string;
  text: string;
  /** What went wrong, in the server's words. */
  detail?: string;
}

/** Whether the browser can show desktop notifications, and what the agent allowed. */
export type NotificationPermissionState =
  NotificationPermission | 'unsupported';

function currentPermission(): NotificationPermissionState {
  return typeof Notification === 'undefined'
    ? 'unsupported'
    : Notification.permission;
}

/**
 * Hand-offs and assistant failures, kept until dismissed, and shown as a desktop notification when the
 * agent allowed it and is looking at another tab or window.
 */
export function useAlerts(
  agent: AgentChat,
  onOpen: (sessionId: string) => void,
) {
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const list = useRef<Alert[]>([]);
  const [permission, setPermission] = useState(currentPermission);
  const nextId = useRef(1);
  const open = useRef(onOpen);
  open.current = onOpen;

  const commit = (next: Alert[]) => {
    list.current = next;
    setAlerts(next);
  };

  useEffect(() => {
    const raise = (sessionId: string, text: string, detail?: string) => {
      commit([
        { id: nextId.current++, sessionId, text, detail },
        ...list.current.filter((alert) => alert.sessionId !== sessionId),
      ]);
      if (currentPermission() !== 'granted' || !document.hidden) return;
      const notification = new Notification(strings.alerts.notificationTitle, {
        body: detail ? `${text}\n${detail}` : text,
        tag: sessionId,
      });
      notification.onclick = () => {
        window.focus();
        open.current(sessionId);
        notification.close();
      };
    };
    const stops = [
      agent.socket.on(AdminServerEvent.HandoffRequested, ({ sessionId }) => {
        // An assistant failure is followed by its hand-off: one alert says both.
        if (list.current.some((alert) => alert.sessionId === sessionId)) return;
        raise(sessionId, strings.alerts.handoff(userLabel(sessionId)));
      }),
      agent.socket.on(AdminServerEvent.AiError, ({ sessionId, message }) =>
        raise(
          sessionId,
          strings.alerts.aiError(userLabel(sessionId)),
          strings.alerts.reason(message),
        ),
      ),
    ];
    return () => stops.forEach((stop) => stop());
  }, [agent]);

  return {
    alerts,
    permission,
    dismiss: (id: number) =>
      commit(list.current.filter((alert) => alert.id !== id)),
    dismissSession: (sessionId: string) =>
      commit(list.current.filter((alert) => alert.sessionId !== sessionId)),
    requestPermission: () => {
      if (typeof Notification === 'undefined') return;
      void Notification.requestPermission().then(setPermission);
    },
  };
}

export function AlertList({
  alerts,
  onOpen,
  onDismiss,
}: {
  alerts: readonly Alert[];
  onOpen: (sessionId: string) => void;
  onDismiss: (id: number) => void;
}) {
  if (alerts.length === 0) return null;
  return (
    <section class="alerts" aria-label={strings.alerts.label}>
      <div role="alert">
        <ul>
          {alerts.map((alert) => (
            <li key={alert.id} class="alert">
              <span class="alert-icon" aria-hidden="true" />
              <p class="alert-text">
                {alert.text}
                {alert.detail && (
                  <span class="alert-detail"> {alert.detail}</span>
                )}
              </p>
              <button
                type="button"
                class="button small"
                onClick={() => onOpen(alert.sessionId)}
              >
                {strings.alerts.open}
              </button>
              <button
                type="button"
                class="button small subtle"
                onClick={() => onDismiss(alert.id)}
              >
                {strings.alerts.dismiss}
              </button>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
