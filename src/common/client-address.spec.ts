import type { IncomingMessage } from 'node:http';
import type { TrustProxy } from '../config/settings';
import { clientAddress, compileTrust, plainAddress } from './client-address';

describe('plainAddress', () => {
  it('turns an IPv4-mapped IPv6 address into plain IPv4', () => {
    expect(plainAddress('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(plainAddress('::FFFF:127.0.0.1')).toBe('127.0.0.1');
  });

  it('leaves IPv4, real IPv6 and anything else as it is', () => {
    expect(plainAddress('203.0.113.9')).toBe('203.0.113.9');
    expect(plainAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(plainAddress('::1')).toBe('::1');
    expect(plainAddress('::ffff:2001:db8::1')).toBe('::ffff:2001:db8::1');
  });
});

/** What proxy-addr reads of a request: the peer's address and X-Forwarded-For. */
function requestFrom(peer: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers:
      forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

describe('clientAddress', () => {
  const addressOf = (
    trustProxy: TrustProxy,
    peer: string,
    forwardedFor?: string,
  ) => clientAddress(requestFrom(peer, forwardedFor), compileTrust(trustProxy));

  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(addressOf(false, '203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });

  it('is the right-most entry a trusted hop wrote, never one the client put first', () => {
    expect(addressOf(1, '10.0.0.2', '6.6.6.6, 203.0.113.9')).toBe(
      '203.0.113.9',
    );
    expect(addressOf(2, '10.0.0.2', '6.6.6.6, 203.0.113.9, 10.0.0.1')).toBe(
      '203.0.113.9',
    );
    expect(
      addressOf(
        ['loopback', '10.0.0.0/8'],
        '::ffff:127.0.0.1',
        '6.6.6.6, 203.0.113.9, 10.1.2.3',
      ),
    ).toBe('203.0.113.9');
  });

  it('stops at the first untrusted peer', () => {
    expect(addressOf(['10.0.0.0/8'], '192.0.2.50', '203.0.113.9')).toBe(
      '192.0.2.50',
    );
  });

  it('is the nearest valid address when the entry to use is not an IP', () => {
    expect(addressOf(1, '10.0.0.2', 'javascript:alert(1)')).toBe('10.0.0.2');
    expect(addressOf(1, '10.0.0.2', '203.0.113.9:4711')).toBe('10.0.0.2');
    expect(addressOf(3, '10.0.0.2', 'junk, 10.0.0.1')).toBe('10.0.0.1');
  });

  it('takes a hop count larger than the chain as far as the chain goes', () => {
    expect(addressOf(5, '10.0.0.2', '203.0.113.9')).toBe('203.0.113.9');
    expect(addressOf(5, '10.0.0.2')).toBe('10.0.0.2');
  });

  it('gives IPv4 addresses in plain form, wherever they come from', () => {
    expect(addressOf(false, '::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressOf(1, '::1', '::ffff:198.51.100.4')).toBe('198.51.100.4');
    expect(addressOf(1, '::1', '2001:db8::7')).toBe('2001:db8::7');
  });
});
