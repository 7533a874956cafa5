interface Bucket {
  tokens: number;
  updatedAt: number;
}

export type TakeResult =
  { allowed: true } | { allowed: false; retryAfterMs: number };

/** Buckets above this count are swept of the ones that have refilled (they hold nothing to remember). */
const SWEEP_THRESHOLD = 10_000;

/**
 * A token bucket per key: `capacity` tokens, refilled evenly over `refillMs`. Short bursts are allowed,
 * a sustained rate above capacity/refillMs is refused with the time until the next token.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly capacity: number,
    private readonly refillMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token if one is left. */
  take(key: string): TakeResult {
    const result = this.check(key);
    if (result.allowed) this.bucket(key).tokens -= 1;
    return result;
  }

  /** Tells whether a token is left, without taking it. */
  check(key: string): TakeResult {
    const bucket = this.bucket(key);
    if (bucket.tokens >= 1) return { allowed: true };
    return {
      allowed: false,
      retryAfterMs: Math.ceil((1 - bucket.tokens) * this.msPerToken),
    };
  }

  /** Returns a token taken for something that did not happen after all (never above capacity). */
  giveBack(key: string): void {
    const bucket = this.bucket(key);
    bucket.tokens = Math.min(this.capacity, bucket.tokens + 1);
  }

  reset(key: string): void {
    this.buckets.delete(key);
  }

  private get msPerToken(): number {
    return this.refillMs / this.capacity;
  }

  private bucket(key: string): Bucket {
    const now = this.now();
    const bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_THRESHOLD) this.sweep(now);
      const fresh = { tokens: this.capacity, updatedAt: now };
      this.buckets.set(key, fresh);
      return fresh;
    }
    bucket.tokens = Math.min(
      this.capacity,
      bucket.tokens + (now - bucket.updatedAt) / this.msPerToken,
    );
    bucket.updatedAt = now;
    return bucket;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (
        bucket.tokens + (now - bucket.updatedAt) / this.msPerToken >=
        this.capacity
      ) {
        this.buckets.delete(key);
      }
    }
  }
}
