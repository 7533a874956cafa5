import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client';
import type { DatabaseConnection } from './database-connection';
import { applyMigrations } from './migrator';

export const DATABASE_CONNECTION = Symbol('DATABASE_CONNECTION');

const CLOSE_TIMEOUT_MS = 5000;

@Injectable()
export class PrismaService
  extends PrismaClient
  implements OnModuleInit, OnApplicationShutdown
{
  private readonly logger = new Logger(PrismaService.name);

  constructor(
    @Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection,
  ) {
    super({ adapter: database.adapter });
  }

  async onModuleInit(): Promise<void> {
    await this.database.open();
    await this.database.withSession((session) => applyMigrations(session));
    await this.$connect();
    this.logger.log(
      this.database.kind === 'embedded'
        ? 'Using the embedded database'
        : 'Using PostgreSQL',
    );
  }

  /** Last in the shutdown, after sockets and HTTP have finished their answers; bounded in time. */
  async onApplicationShutdown(): Promise<void> {
    const closed = this.$disconnect().then(() => this.database.close());
    const timedOut = await Promise.race([
      closed.then(() => false),
      new Promise<boolean>((resolve) =>
        setTimeout(resolve, CLOSE_TIMEOUT_MS, true).unref(),
      ),
    ]);
    if (timedOut)
      this.logger.warn(
        `The database connection did not close within ${CLOSE_TIMEOUT_MS} ms`,
      );
  }

  /**
   * One SQL statement straight on the driver, without Prisma's query engine: for the message hot path,
   * where the engine's work per query would cost more CPU than everything else the server does.
   */
  sql<Row>(text: string, params: unknown[]): Promise<Row[]> {
    return this.database.query<Row>(text, params);
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
