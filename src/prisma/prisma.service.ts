import {
  Inject,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client';
import type { DatabaseConnection } from './database-connection';
import { applyMigrations } from './migrator';

export const DATABASE_CONNECTION = Symbol('DATABASE_CONNECTION');

@Injectable()
export class PrismaService
  extends PrismaClient
  implements OnModuleInit, OnModuleDestroy
{
  private readonly logger = new Logger(PrismaService.name);

  constructor(
    @Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection,
  ) {
    super({ adapter: database.adapter });
  }

  async onModuleInit(): Promise<void> {
    await this.database.withSession((session) => applyMigrations(session));
    await this.$connect();
    this.logger.log(
      this.database.kind === 'embedded'
        ? 'Using the embedded database'
        : 'Using PostgreSQL',
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
    await this.database.close();
  }

  /** A trivial query, for readiness checks; its error names no host, port or driver detail. */
  async ping(): Promise<void> {
    try {
      await this.$queryRaw`SELECT 1`;
    } catch {
      throw new Error('The database does not answer');
    }
  }
}
