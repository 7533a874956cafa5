import { plainAddress } from './client-address';

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
