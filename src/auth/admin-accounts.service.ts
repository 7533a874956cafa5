import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { AdminRole } from '../common/actor';
import { AppError, ErrorCode } from '../common/errors';
import { PrismaService } from '../prisma/prisma.service';
import type { AdminActor } from './auth.service';
import {
  type AdminRecord,
  type AgentView,
  toAgentView,
} from './dto/admin.view';
import type { CreateAgentDto, UpdateAgentDto } from './dto/agent.dto';
import {
  generatePassword,
  hashPassword,
  needsRehash,
  verifyPassword,
} from './password-hasher';
import { passwordProblem } from './password-rules';

export interface NewAdmin {
  email: string;
  name: string;
  role: AdminRole;
  /** Checked against the password rules; without one, a password is generated. */
  password?: string;
}

/** Agent accounts: creating and changing them, and finding the ones allowed to act. */
@Injectable()
export class AdminAccountsService {
  /** Ids of accounts whose tokens were just revoked (disabled, signed out), so that their connections close. */
  readonly revoked$ = new Subject<string>();

  constructor(private readonly prisma: PrismaService) {}

  findByEmail(email: string): Promise<AdminRecord | null> {
    return this.prisma.admin.findUnique({
      where: { email: normalizeEmail(email) },
    });
  }

  /** An account that exists and is not disabled, or null. */
  async findActive(id: string): Promise<AdminRecord | null> {
    const admin = await this.prisma.admin.findUnique({ where: { id } });
    return admin && !admin.disabled ? admin : null;
  }

  /**
   * Stores a fresh hash of a password just verified against an outdated one (scrypt, or argon2id at other
   * parameters); skipped when the password changed meanwhile.
   */
  async upgradePasswordHash(
    admin: AdminRecord,
    password: string,
  ): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.prisma.admin.updateMany({
      where: { id: admin.id, passwordHash: admin.passwordHash },
      data: { passwordHash },
    });
  }

  async count(): Promise<number> {
    return this.prisma.admin.count();
  }

  /** Every account, disabled ones included, by name then email. */
  async list(): Promise<AgentView[]> {
    const accounts = await this.prisma.admin.findMany({
      orderBy: [{ name: 'asc' }, { email: 'asc' }],
    });
    return accounts.map(toAgentView);
  }

  /**
   * Creates an account with the given password (checked against the password rules) or a generated one,
   * which is returned this once and never stored in clear.
   */
  async create(
    input: NewAdmin,
  ): Promise<{ admin: AdminRecord; password: string }> {
    const email = normalizeEmail(input.email);
    if (input.password !== undefined)
      assertAcceptablePassword(input.password, email);
    if (await this.findByEmail(email)) throw duplicateEmail(email);
    const password = input.password ?? generatePassword();
    const passwordHash = await hashPassword(password);
    const admin = await this.prisma.admin
      .create({
        data: {
          id: randomUUID(),
          email,
          name: input.name.trim(),
          role: input.role,
          passwordHash,
        },
      })
      .catch((error: unknown) => {
        // Two creations of one email at once: the unique index decides.
        throw (error as { code?: unknown }).code === 'P2002'
          ? duplicateEmail(email)
          : error;
      });
    return { admin, password };
  }

  /** `POST /api/admin/agents`: an `agent` unless the role says otherwise. */
  async createAgent(dto: CreateAgentDto): Promise<AgentView> {
    const { admin } = await this.create({
      email: dto.email,
      name: dto.name,
      role: dto.role ?? 'agent',
      password: dto.password,
    });
    return toAgentView(admin);
  }

  /**
   * Renames, changes the role of, disables or re-enables an account. Nobody may demote or disable
   * themselves, and no change may leave the system without an active admin (two admins demoting each
   * other at once included): someone must always be able to manage accounts.
   */
  async update(
    actor: AdminActor,
    accountId: string,
    patch: UpdateAgentDto,
  ): Promise<AgentView> {
    // The database compares UUIDs in any case; so must the "yourself" rule.
    const id = accountId.toLowerCase();
    const data = {
      name: patch.name,
      role: patch.role,
      disabled: patch.disabled,
      ...(patch.disabled && { tokensValidAfter: new Date() }),
    };
    const losesAdmin = data.role === 'agent' || data.disabled === true;
    if (losesAdmin && id === actor.adminId.toLowerCase()) {
      throw new AppError(
        ErrorCode.CONFLICT,
        data.disabled
          ? 'You cannot disable your own account; ask another admin'
          : 'You cannot remove your own admin role; ask another admin',
      );
    }
    const updated = await this.prisma.$transaction(async (tx) => {
      // Locks the active admins so that concurrent demotions are decided one after the other.
      if (losesAdmin) {
        await tx.$queryRaw`SELECT id FROM admins WHERE role = 'admin' AND NOT disabled FOR UPDATE`;
      }
      const existing = await tx.admin.findUnique({ where: { id } });
      if (!existing)
        throw new AppError(ErrorCode.NOT_FOUND, 'No agent has that id');
      const record = await tx.admin.update({ where: { id }, data });
      if (
        losesAdmin &&
        (await tx.admin.count({
          where: { role: 'admin', disabled: false },
        })) === 0
      ) {
        throw new AppError(
          ErrorCode.CONFLICT,
          'At least one active admin must remain',
        );
      }
      return record;
    });
    if (data.disabled) this.revoked$.next(updated.id);
    return toAgentView(updated);
  }

  /** Refuses every token this account was issued so far, and closes its open connections. */
  async revokeTokens(id: string): Promise<void> {
    await this.prisma.admin.updateMany({
      where: { id },
      data: { tokensValidAfter: tokensIssuedFromNowOn() },
    });
    this.revoked$.next(id);
  }

  /**
   * Creates or updates an admin-role account with this password (the configured first admin). When the
   * password changed, the tokens issued with the old one are refused.
   */
  async upsertWithPassword(
    email: string,
    password: string,
  ): Promise<AdminRecord> {
    const normalized = normalizeEmail(email);
    const existing = await this.findByEmail(normalized);
    const unchanged =
      existing !== null &&
      (await verifyPassword(password, existing.passwordHash));
    const passwordHash =
      unchanged && !needsRehash(existing.passwordHash)
        ? existing.passwordHash
        : await hashPassword(password);
    const admin = await this.prisma.admin.upsert({
      where: { email: normalized },
      create: {
        id: randomUUID(),
        email: normalized,
        name: 'Admin',
        role: 'admin',
        passwordHash,
      },
      update: {
        passwordHash,
        role: 'admin',
        disabled: false,
        ...(!unchanged && { tokensValidAfter: tokensIssuedFromNowOn() }),
      },
    });
    if (existing && !unchanged) this.revoked$.next(admin.id);
    return admin;
  }
}

/** A cutoff for `tokensValidAfter` that also refuses a token issued in this very millisecond. */
function tokensIssuedFromNowOn(): Date {
  return new Date(Date.now() + 1);
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The password rules of accounts created with a chosen password (generated ones always pass). */
export function assertAcceptablePassword(
  password: string,
  email: string,
): void {
  const rule = passwordProblem(password, email);
  if (rule) {
    const problem = `password ${rule}`;
    throw new AppError(ErrorCode.VALIDATION_FAILED, problem, {
      fields: [{ field: 'password', message: problem }],
    });
  }
}

function duplicateEmail(email: string): AppError {
  return new AppError(
    ErrorCode.CONFLICT,
    `An account for ${email} already exists`,
  );
}
