import type { RawEnvironment } from '../../src/config/settings';

/**
 * Every stranger's limit raised out of the way (the highest values the settings accept), for tests whose
 * subject is something else and that open many sessions or send fast from the one address they all share.
 */
export const raisedLimits: RawEnvironment = {
  WIDGET_EVENTS_PER_MINUTE: '1000000',
  WIDGET_EVENT_BURST: '1000000',
  WIDGET_EVENTS_PER_MINUTE_PER_IP: '10000000',
  MAX_CONNECTIONS_PER_IP: '100000',
  HTTP_WRITES_PER_MINUTE_PER_IP: '1000000',
  NEW_SESSIONS_PER_HOUR_PER_IP: '10000000',
};

/** Headers of a request that a trusted proxy (TRUST_PROXY=1) forwarded for `address`. */
export const forwardedFor = (address: string) => ({
  'X-Forwarded-For': address,
});
