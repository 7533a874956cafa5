import { existsSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/client/runtime/client';
import { Pool, type QueryConfig } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { Settings } from '../config/settings';
import { type DataFolderLock, lockDataFolder } from './data-folder-lock';
import { EMBEDDED_EXTENSIONS } from './embedded-extensions';
import { DatabaseUnreachableError } from './prisma.errors';
import { createPrivateFolder, makeFolderPrivate } from './private-folder';

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
  /**
   * Opens the database, or throws a DatabaseStartError saying why not: PostgreSQL is reached once; the
   * embedded database takes its data folder for this process, then opens. Idempotent; queries open too.
   */
  open(): Promise<void>;
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
    ? openPostgres(settings.databaseUrl, settings.dataDir)
    : openEmbedded(settings.dataDir);
}

function openPostgres(
  connectionString: string,
  dataDir: string,
): DatabaseConnection {
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
    async open() {
      // On PostgreSQL the data folder only holds the generated JWT secret, if anything.
      if (existsSync(dataDir)) makeFolderPrivate(dataDir);
      try {
        (await pool.connect()).release();
      } catch (error) {
        throw unreachable(connectionString, error);
      }
    },
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
  let db: PGlite | undefined;
  let lock: DataFolderLock | undefined;
  let opening: Promise<PGlite> | undefined;
  const open = () =>
    (opening ??= (async () => {
      createPrivateFolder(dataDir);
      // Before PGlite touches a file: two processes on one folder would each overwrite the other's writes.
      lock = lockDataFolder(dataDir);
      try {
        makeFolderPrivate(dataDir);
        const pglite = new PGlite(dataDir, { extensions: EMBEDDED_EXTENSIONS });
        await pglite.waitReady;
        // A new database's files are written world-readable: make them private before serving.
        makeFolderPrivate(dataDir);
        db = pglite;
        return pglite;
      } catch (error) {
        lock.release();
        throw error;
      }
    })());
  const session: SqlSession = {
    query: async <Row>(sql: string, params?: unknown[]) =>
      (await (db ?? (await open())).query<Row>(sql, params)).rows,
    exec: async (sql) => {
      await (db ?? (await open())).exec(sql);
    },
  };
  return {
    kind: 'embedded',
    adapter: {
      provider: 'postgres',
      adapterName: 'pglite-prisma-adapter',
      connect: async () => new PrismaPGlite(await open()).connect(),
    },
    open: async () => {
      await open();
    },
    query: (sql, params) => session.query(sql, params),
    withSession: async (work) => {
      await open();
      return work(session);
    },
    async close() {
      const pglite = await opening?.catch(() => undefined);
      try {
        await pglite?.close();
      } finally {
        if (pglite) lock?.release();
      }
    },
  };
}

/** One line that names where the database was expected, never the password. */
function unreachable(
  connectionString: string,
  error: unknown,
): DatabaseUnreachableError {
  let where = 'DATABASE_URL';
  try {
    const url = new URL(connectionString);
    where = `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    // pg accepted a string URL cannot parse; say only which setting it was.
  }
  const failure = error as Error & {
    code?: string;
    errors?: { code?: string }[];
  };
  const code = failure.code ?? failure.errors?.[0]?.code;
  const reason =
    (code && CONNECT_FAILURES[code]) ??
    (/timeout/i.test(failure.message)
      ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`
      : failure.message);
  return new DatabaseUnreachableError(
    `Cannot connect to the database at ${where}: ${reason}. Check DATABASE_URL, and that PostgreSQL runs there and accepts this user`,
  );
}

const CONNECT_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`,
};
