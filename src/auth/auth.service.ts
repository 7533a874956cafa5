import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import { isUUID } from 'class-validator';
import type { Actor } from '../common/actor';
import { AppError, ErrorCode } from '../common/errors';
import type { Settings } from '../config/settings';
import { AdminAccountsService, normalizeEmail } from './admin-accounts.service';
import {
  type AdminRecord,
  type LoginResult,
  toAdminView,
} from './dto/admin.view';
import type { LoginDto } from './dto/login.dto';
import { LoginThrottle } from './login-throttle';
import {
  needsRehash,
  UNMATCHABLE_HASH,
  verifyPassword,
} from './password-hasher';

export type AdminActor = Extract<Actor, { kind: 'admin' }>;

/** Why a token was refused, in the 401's `details.reason` and the `/admin` connect_error's `data.reason`. */
export const TOKEN_REJECTIONS = ['missing', 'invalid', 'expired'] as const;
export type TokenRejection = (typeof TOKEN_REJECTIONS)[number];

const TOKEN_REJECTION_MESSAGES: Record<TokenRejection, string> = {
  missing: 'An admin access token is required',
  invalid: 'The access token is invalid',
  expired: 'The access token has expired',
};

function tokenRejected(reason: TokenRejection): AppError {
  return new AppError(
    ErrorCode.UNAUTHORIZED,
    TOKEN_REJECTION_MESSAGES[reason],
    { reason },
  );
}

interface TokenClaims {
  sub: string;
  /** Issue time in milliseconds: the standard `iat` counts whole seconds, too coarse to order against a re-enabling. */
  issuedAtMs: number;
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger('Login');

  constructor(
    private readonly accounts: AdminAccountsService,
    private readonly jwt: JwtService,
    private readonly config: ConfigService<Settings, true>,
    private readonly throttle: LoginThrottle,
  ) {}

  /**
   * Wrong email and wrong password fail alike and take as long (a password is verified either way).
   * The attempt is counted against the login budgets before the password is verified (LoginThrottle).
   */
  async login(
    dto: LoginDto,
    ipAddress: string | undefined,
  ): Promise<LoginResult> {
    const email = normalizeEmail(dto.email);
    const attempt = this.throttle.reserve(email, ipAddress ?? 'unknown');
    const checked = await this.checkPassword(email, dto.password).catch(
      (error: unknown) => {
        attempt.abandoned();
        throw error;
      },
    );
    if (!checked.admin) {
      attempt.failed(checked.failure);
      throw new AppError(ErrorCode.UNAUTHORIZED, 'Wrong email or password');
    }
    attempt.succeeded();
    const { admin } = checked;
    await this.upgradeOutdatedHash(admin, dto.password);
    const expiresIn = this.config.get('jwtExpiresInSeconds', { infer: true });
    const accessToken = await this.jwt.signAsync(
      { sub: admin.id, issuedAtMs: Date.now() } satisfies TokenClaims,
      {
        expiresIn,
      },
    );
    return { accessToken, expiresIn, admin: toAdminView(admin) };
  }

  /** The active account a token belongs to; a disabled or deleted account's token stops working. */
  async authenticate(token: string | undefined): Promise<AdminRecord> {
    if (!token) throw tokenRejected('missing');
    let expired = false;
    const claims = await this.jwt
      .verifyAsync<TokenClaims>(token)
      .catch((error: unknown) => {
        expired = error instanceof TokenExpiredError;
        return null;
      });
    // Account ids are UUIDs; anything else in `sub` would fail in the query rather than match nobody.
    const admin =
      typeof claims?.sub === 'string' && isUUID(claims.sub)
        ? await this.accounts.findActive(claims.sub)
        : null;
    if (!admin || issuedBeforeCutoff(claims!, admin))
      throw tokenRejected(expired ? 'expired' : 'invalid');
    return admin;
  }

  /** `POST /api/auth/logout`: every token of this agent issued so far stops working, on every device. */
  logout(actor: AdminActor): Promise<void> {
    return this.accounts.revokeTokens(actor.adminId);
  }

  /** REST messages: a visitor needs nothing but the session id; an agent needs a valid token. */
  async actorForSender(
    sender: 'user' | 'admin',
    token: string | undefined,
  ): Promise<Actor> {
    return sender === 'user'
      ? { kind: 'visitor' }
      : toAdminActor(await this.authenticate(token));
  }

  /** The password was just verified: an outdated hash of it is replaced now, a failure only delays that. */
  private async upgradeOutdatedHash(
    admin: AdminRecord,
    password: string,
  ): Promise<void> {
    if (!needsRehash(admin.passwordHash)) return;
    await this.accounts
      .upgradePasswordHash(admin, password)
      .catch((error: Error) =>
        this.logger.warn(
          `Could not upgrade a password hash to argon2id: ${error.message}`,
        ),
      );
  }

  /** The enabled account with this email and password, or why there is none (for the log only). */
  private async checkPassword(
    email: string,
    password: string,
  ): Promise<{ admin: AdminRecord } | { admin: null; failure: string }> {
    const admin = await this.accounts.findByEmail(email);
    const matches = await verifyPassword(
      password,
      admin?.passwordHash ?? UNMATCHABLE_HASH,
    );
    if (!admin) return { admin: null, failure: 'no such account' };
    if (!matches) return { admin: null, failure: 'wrong password' };
    if (admin.disabled) return { admin: null, failure: 'account disabled' };
    return { admin };
  }
}

export function toAdminActor(
  admin: AdminRecord,
  socketId?: string,
): AdminActor {
  return { kind: 'admin', adminId: admin.id, role: admin.role, socketId };
}

/**
 * A token from before the account was last disabled, signed out or given a new ADMIN_PASSWORD stays
 * invalid; one without `issuedAtMs` counts as older than any cutoff.
 */
function issuedBeforeCutoff(claims: TokenClaims, admin: AdminRecord): boolean {
  return (
    admin.tokensValidAfter !== null &&
    !(claims.issuedAtMs >= admin.tokensValidAfter.getTime())
  );
}
