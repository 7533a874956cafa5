import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AdminRole } from '../common/actor';
import { AppError, ErrorCode } from '../common/errors';
import { PrismaService } from '../prisma/prisma.service';
import type { AdminRecord } from './dto/admin.view';
import { generatePassword, hashPassword } from './password-hasher';

export interface NewAdmin {
  email: string;
  name: string;
  role: AdminRole;
}

/** Agent accounts: creating them, and finding the ones allowed to act. */
@Injectable()
export class AdminAccountsService {
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

  async exists(id: string): Promise<boolean> {
    return (await this.prisma.admin.count({ where: { id } })) > 0;
  }

  async count(): Promise<number> {
    return this.prisma.admin.count();
  }

  /** Creates an account with a generated password, returned once and never stored in clear. */
  async create(
    input: NewAdmin,
  ): Promise<{ admin: AdminRecord; password: string }> {
    const email = normalizeEmail(input.email);
    if (await this.findByEmail(email)) {
      throw new AppError(
        ErrorCode.CONFLICT,
        `An account for ${email} already exists`,
      );
    }
    const password = generatePassword();
    const admin = await this.prisma.admin.create({
      data: {
        id: randomUUID(),
        email,
        name: input.name,
        role: input.role,
        passwordHash: await hashPassword(password),
      },
    });
    return { admin, password };
  }

  /** A disabled account can no longer sign in, and its tokens stop working. */
  async disable(id: string): Promise<void> {
    await this.prisma.admin.update({ where: { id }, data: { disabled: true } });
  }

  /** Creates or updates an admin-role account with this password (the configured first admin). */
  async upsertWithPassword(
    email: string,
    password: string,
  ): Promise<AdminRecord> {
    const passwordHash = await hashPassword(password);
    const normalized = normalizeEmail(email);
    return this.prisma.admin.upsert({
      where: { email: normalized },
      create: {
        id: randomUUID(),
        email: normalized,
        name: 'Admin',
        role: 'admin',
        passwordHash,
      },
      update: { passwordHash, role: 'admin', disabled: false },
    });
  }
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
