import type { ChatError } from '../client';
import { strings } from './strings';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const clock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
});
const shortDate = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
});
const longDate = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
const fullDateTime = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
});

/** "now", "5m", "3h", "2d", then a date: how the list says when something last happened. */
export function relativeTime(iso: string, now: number): string {
  const elapsed = Math.max(0, now - Date.parse(iso));
  if (elapsed < MINUTE) return strings.time.now;
  if (elapsed < HOUR) return strings.time.minutes(Math.floor(elapsed / MINUTE));
  if (elapsed < DAY) return strings.time.hours(Math.floor(elapsed / HOUR));
  if (elapsed < 7 * DAY) return strings.time.days(Math.floor(elapsed / DAY));
  return shortDate.format(new Date(iso));
}

export function timeOfDay(iso: string): string {
  return clock.format(new Date(iso));
}

export function dateTime(iso: string): string {
  return fullDateTime.format(new Date(iso));
}

/** The calendar day of a time, as a key to group messages by. */
export function dayKey(iso: string): string {
  const date = new Date(iso);
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

export function dayLabel(iso: string, now: number): string {
  const key = dayKey(iso);
  if (key === dayKey(new Date(now).toISOString())) return strings.time.today;
  if (key === dayKey(new Date(now - DAY).toISOString()))
    return strings.time.yesterday;
  return longDate.format(new Date(iso));
}

/** The server's message for a refusal, or what a timeout means in words. */
export function errorText(error: unknown): string {
  const chatError = error as Partial<ChatError> | null;
  if (chatError?.code === 'TIMEOUT') return strings.errors.TIMEOUT;
  return chatError?.message ?? String(error);
}

/** The label the server gives a session: 'User-' and the first 8 characters of its id. */
export function userLabel(sessionId: string): string {
  return `User-${sessionId.slice(0, 8)}`;
}

/** A short browser and system name from a user agent, e.g. "Chrome on macOS". */
export function browserName(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrome\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : null;
  const system = /Windows/.test(userAgent)
    ? 'Windows'
    : /Android/.test(userAgent)
      ? 'Android'
      : /iPhone|iPad/.test(userAgent)
        ? 'iOS'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null;
  if (browser && system) return `${browser}${strings.separator}${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}
