import { TokenBucketLimiter } from './token-bucket';

describe('TokenBucketLimiter', () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    now = 0;
  });

  it('allows a burst up to capacity, then refuses with the wait until the next token', () => {
    const limiter = new TokenBucketLimiter(3, 3000, clock);
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([
      true,
      true,
      true,
    ]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterMs: 1000 });
    now = 999;
    expect(limiter.take('a').allowed).toBe(false);
    now = 1000;
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('keeps keys apart', () => {
    const limiter = new TokenBucketLimiter(1, 1000, clock);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('b').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('check does not consume, reset refills', () => {
    const limiter = new TokenBucketLimiter(1, 1000, clock);
    expect(limiter.check('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.check('a').allowed).toBe(false);
    limiter.reset('a');
    expect(limiter.check('a').allowed).toBe(true);
  });

  it('giveBack returns a taken token, never above capacity', () => {
    const limiter = new TokenBucketLimiter(2, 1000, clock);
    limiter.take('a');
    limiter.take('a');
    expect(limiter.check('a').allowed).toBe(false);
    limiter.giveBack('a');
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    limiter.giveBack('b');
    expect([1, 2, 3].map(() => limiter.take('b').allowed)).toEqual([
      true,
      true,
      false,
    ]);
  });
});
