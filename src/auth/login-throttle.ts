import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppError, ErrorCode } from '../common/errors';
import { TokenBucketLimiter } from '../common/token-bucket';
import type { Settings } from '../config/settings';

/** One address's budget over every account, in multiples of LOGIN_MAX_ATTEMPTS: an office shares an address. */
const ADDRESS_BUDGET_FACTOR = 5;
/**
 * One account's budget over every address, in multiples of LOGIN_MAX_ATTEMPTS (100 by default: the most
 * NIST SP 800-63B allows). It bounds guesses spread over many addresses; the addresses that signed in to
 * the account lately are exempt from it, so spending it cannot lock the owner out.
 */
const ACCOUNT_BUDGET_FACTOR = 10;
const KNOWN_ADDRESS_MS = 30 * 24 * 60 * 60 * 1000;
const KNOWN_ADDRESSES_MAX = 10_000;

type Budget = 'accountFromAddress' | 'account' | 'address';

const BUDGET_SCOPE: Record<Budget, string> = {
  accountFromAddress: 'for this account from this address',
  account:
    'for this account from every address (addresses it signed in from lately still get in)',
  address: 'from this address for every account',
};

/** An email as logs show it: its domain and a short hash, never the address itself. */
export function emailForLogs(email: string): string {
  const hash = createHash('sha256').update(email).digest('hex').slice(0, 12);
  return `#${hash} at ${email.slice(email.lastIndexOf('@') + 1) || '?'}`;
}

/** One login attempt with its budgets already spent; tell it how the password check ended. */
export interface LoginAttempt {
  /** Right password: the attempt costs nothing and the address is remembered for the account. */
  succeeded(): void;
  /** Wrong email or password: the attempt stays spent; logged, and a budget it emptied is logged as a lockout. */
  failed(reason: string): void;
  /** No password was checked (the database failed): the attempt costs nothing. */
  abandoned(): void;
}

/**
 * Budgets of failed logins, spent before the password is verified (a burst of parallel logins can never
 * verify more guesses than they allow) and given back when the password was right:
 * per account and address, per address, and per account over every address except those that signed in
 * to it lately. An attacker can exhaust their own address's budgets and the account's shared one, but the
 * owner, from where they usually sign in, still gets in.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger('Login');
  private readonly budgets: Record<Budget, TokenBucketLimiter>;
  /** `email\naddress` → until when the address is exempt from the account's shared budget. */
  private readonly knownAddresses = new Map<string, number>();
  private readonly windowMs: number;

  constructor(config: ConfigService<Settings, true>) {
    const attempts = config.get('loginMaxAttempts', { infer: true });
    this.windowMs = config.get('loginWindowMs', { infer: true });
    this.budgets = {
      accountFromAddress: new TokenBucketLimiter(attempts, this.windowMs),
      account: new TokenBucketLimiter(
        attempts * ACCOUNT_BUDGET_FACTOR,
        this.windowMs,
      ),
      address: new TokenBucketLimiter(
        attempts * ADDRESS_BUDGET_FACTOR,
        this.windowMs,
      ),
    };
  }

  /** Spends one attempt of every budget that applies, or throws RATE_LIMITED spending none. */
  reserve(email: string, address: string): LoginAttempt {
    const keys = this.keysFor(email, address);
    // Checked and taken with no await in between: parallel requests are decided one after the other.
    let retryAfterMs = 0;
    for (const [budget, key] of keys) {
      const check = this.budgets[budget].check(key);
      if (!check.allowed)
        retryAfterMs = Math.max(retryAfterMs, check.retryAfterMs);
    }
    if (retryAfterMs > 0) {
      throw new AppError(
        ErrorCode.RATE_LIMITED,
        'Too many failed logins; try again later',
        { retryAfterMs },
      );
    }
    const emptied: Budget[] = [];
    for (const [budget, key] of keys) {
      this.budgets[budget].take(key);
      if (!this.budgets[budget].check(key).allowed) emptied.push(budget);
    }
    let settled = false;
    const settle = (giveBack: boolean) => {
      if (settled) return;
      settled = true;
      if (giveBack)
        for (const [budget, key] of keys) this.budgets[budget].giveBack(key);
    };
    return {
      succeeded: () => {
        settle(true);
        this.budgets.accountFromAddress.reset(keys[0][1]);
        this.remember(email, address);
      },
      failed: (reason) => {
        if (settled) return;
        settle(false);
        const who = `${emailForLogs(email)} from ${address}`;
        this.logger.log(`Failed login for ${who}: ${reason}`);
        for (const budget of emptied) this.logLockout(budget, who, keys);
      },
      abandoned: () => settle(true),
    };
  }

  private keysFor(email: string, address: string): [Budget, string][] {
    const keys: [Budget, string][] = [
      ['accountFromAddress', `${email}\n${address}`],
      ['address', address],
    ];
    if (!this.isKnown(email, address)) keys.push(['account', email]);
    return keys;
  }

  private logLockout(
    budget: Budget,
    who: string,
    keys: [Budget, string][],
  ): void {
    const key = keys.find(([b]) => b === budget)![1];
    const check = this.budgets[budget].check(key);
    const waitS = check.allowed ? 0 : Math.ceil(check.retryAfterMs / 1000);
    this.logger.warn(
      `Login locked for ${who}: the budget of failed logins ${BUDGET_SCOPE[budget]} is spent ` +
        `(it refills over ${Math.round(this.windowMs / 1000)} s); next attempt in ${waitS} s`,
    );
  }

  private isKnown(email: string, address: string): boolean {
    const until = this.knownAddresses.get(`${email}\n${address}`);
    return until !== undefined && until > Date.now();
  }

  private remember(email: string, address: string): void {
    const key = `${email}\n${address}`;
    this.knownAddresses.delete(key);
    this.knownAddresses.set(key, Date.now() + KNOWN_ADDRESS_MS);
    if (this.knownAddresses.size > KNOWN_ADDRESSES_MAX) {
      const oldest = this.knownAddresses.keys().next().value;
      if (oldest !== undefined) this.knownAddresses.delete(oldest);
    }
  }
}
