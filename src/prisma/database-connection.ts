import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/client/runtime/client';
import { Pool, type QueryConfig } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { Settings } from '../config/settings';

/** A plain SQL session on one connection, for work Prisma does not do (migrations, advisory locks). */
export interface SqlSession {
  /** `timeoutMs` replaces the usual answer deadline, for a statement that waits on purpose (a lock). */
  query<Row>(
    sql: string,
    params?: unknown[],
    options?: { timeoutMs?: number },
  ): Promise<Row[]>;
  /** Runs a script of several statements. */
  exec(sql: string): Promise<void>;
}

/** The database the app runs on: PostgreSQL when DATABASE_URL is set, the embedded one otherwise. */
export interface DatabaseConnection {
  readonly kind: 'postgresql' | 'embedded';
  readonly adapter: SqlDriverAdapterFactory;
  /** One statement on any pooled connection. */
  query<Row>(sql: string, params: unknown[]): Promise<Row[]>;
  withSession<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * How long a request waits for a new connection, and for a query's answer, before it fails with
 * UNAVAILABLE. Together they keep every answer within the answer deadline when the database stalls.
 */
const CONNECT_TIMEOUT_MS = 3000;
const QUERY_TIMEOUT_MS = 7000;

export function openDatabase(
  settings: Pick<Settings, 'databaseUrl' | 'dataDir'>,
): DatabaseConnection {
  return settings.databaseUrl
    ? openPostgres(settings.databaseUrl)
    : openEmbedded(settings.dataDir);
}

function openPostgres(connectionString: string): DatabaseConnection {
  const pool = new Pool({
    connectionString,
    max: 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return {
    kind: 'postgresql',
    adapter: new PrismaPg(pool),
    query: <Row>(sql: string, params: unknown[]) =>
      pool.query(sql, params).then(({ rows }) => rows as Row[]),
    async withSession(work) {
      const client = await pool.connect();
      try {
        return await work({
          query: async <Row>(
            sql: string,
            params?: unknown[],
            options?: { timeoutMs?: number },
          ) =>
            (
              await client.query({
                text: sql,
                values: params,
                ...(options?.timeoutMs && { query_timeout: options.timeoutMs }),
              } as QueryConfig)
            ).rows as Row[],
          exec: async (sql) => {
            await client.query(sql);
          },
        });
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function openEmbedded(dataDir: string): DatabaseConnection {
  mkdirSync(dataDir, { recursive: true });
  const db = new PGlite(dataDir);
  return {
    kind: 'embedded',
    adapter: new PrismaPGlite(db),
    query: async <Row>(sql: string, params: unknown[]) =>
      (await db.query<Row>(sql, params)).rows,
    withSession: (work) =>
      work({
        query: async <Row>(sql: string, params?: unknown[]) =>
          (await db.query<Row>(sql, params)).rows,
        exec: async (sql) => {
          await db.exec(sql);
        },
      }),
    close: () => db.close(),
  };
}
