import type { ChatError } from '../client/errors';
import { strings } from './strings';

const timeOnly = new Intl.DateTimeFormat(undefined, {
  hour: 'numeric',
  minute: '2-digit',
});
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});

/** "14:05" today, "Nov 28, 14:05" on another day. */
export function formatTime(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toDateString() === now.toDateString()
    ? timeOnly.format(date)
    : dayAndTime.format(date);
}

/** Why a message was not sent, in the visitor's words. */
export function failureReason(error: ChatError | undefined): string {
  switch (error?.code) {
    case 'RATE_LIMITED':
      return strings.rateLimited(
        Math.max(1, Math.ceil((error.retryAfterMs ?? 5000) / 1000)),
      );
    case 'UNAVAILABLE':
      return strings.unavailable;
    case 'TIMEOUT':
      return strings.timedOut;
    case 'VALIDATION_FAILED':
      return error.message;
    default:
      return strings.failedOther;
  }
}
