import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { RuntimeDataModel } from '@prisma/client/runtime/client';
import type { Settings } from '../src/config/settings';
import * as enums from '../src/generated/prisma/enums';
import { openDatabase } from '../src/prisma/database-connection';
import { applyMigrations, MigrationError } from '../src/prisma/migrator';
import { PrismaService } from '../src/prisma/prisma.service';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

const SCHEMA_FILE = resolve(__dirname, '../prisma/schema.prisma');
const MIGRATIONS_DIR = resolve(__dirname, '../prisma/migrations');

/** What prisma/schema.prisma says about one scalar or enum field, beyond the runtime data model. */
interface SchemaField {
  name: string;
  type: string;
  optional: boolean;
  nativeType: string | undefined;
  /** The argument of the native type, e.g. 3 for `@db.Timestamptz(3)`. */
  nativeArgument: number | undefined;
}

interface SchemaText {
  models: Map<string, SchemaField[]>;
  /** Enum name → its database type name (`@@map`, else the name). */
  enumDbNames: Map<string, string>;
}

/** Just enough of the schema language to read the two things Prisma's runtime data model leaves out. */
function readSchema(text: string): SchemaText {
  const blocks = [...text.matchAll(/^(model|enum)\s+(\w+)\s*\{([^}]*)\}/gm)];
  const enumDbNames = new Map<string, string>();
  for (const [, kind, name, body] of blocks) {
    if (kind !== 'enum') continue;
    enumDbNames.set(name, /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? name);
  }
  const modelNames = new Set(
    blocks.filter(([, kind]) => kind === 'model').map(([, , name]) => name),
  );
  const models = new Map<string, SchemaField[]>();
  for (const [, kind, name, body] of blocks) {
    if (kind !== 'model') continue;
    const fields: SchemaField[] = [];
    for (const raw of body.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      const match = /^(\w+)\s+(\w+)(\?|\[\])?(.*)$/.exec(line);
      if (!match || modelNames.has(match[2])) continue;
      const native = /@db\.(\w+)(?:\((\d+)\))?/.exec(match[4]);
      fields.push({
        name: match[1],
        type: match[2],
        optional: match[3] === '?',
        nativeType: native?.[1],
        nativeArgument:
          native?.[2] === undefined ? undefined : Number(native[2]),
      });
    }
    models.set(name, fields);
  }
  return { models, enumDbNames };
}

interface Column {
  column: string;
  dataType: string;
  udtName: string;
  nullable: boolean;
  precision: number | null;
}

/** The PostgreSQL column Prisma's migrate would create for a field (the mappings this schema uses). */
function expectedColumn(
  field: SchemaField,
  enumDbNames: Map<string, string>,
): Omit<Column, 'column'> {
  const nullable = field.optional;
  const enumDbName = enumDbNames.get(field.type);
  if (enumDbName) {
    return {
      dataType: 'USER-DEFINED',
      udtName: enumDbName,
      nullable,
      precision: null,
    };
  }
  const scalar = (
    dataType: string,
    udtName: string,
    precision: number | null = null,
  ) => ({ dataType, udtName, nullable, precision });
  switch (`${field.type}/${field.nativeType ?? ''}`) {
    case 'String/':
    case 'String/Text':
      return scalar('text', 'text');
    case 'String/Uuid':
      return scalar('uuid', 'uuid');
    case 'Int/':
    case 'Int/Integer':
      return scalar('integer', 'int4');
    case 'BigInt/':
    case 'BigInt/BigInt':
      return scalar('bigint', 'int8');
    case 'Boolean/':
      return scalar('boolean', 'bool');
    case 'DateTime/':
      // Prisma's default for DateTime on PostgreSQL is timestamp(3).
      return scalar('timestamp without time zone', 'timestamp', 3);
    case 'DateTime/Timestamptz':
      return scalar(
        'timestamp with time zone',
        'timestamptz',
        field.nativeArgument ?? 6,
      );
    default:
      throw new Error(
        `No expected column type for ${field.name} (${field.type} @db.${field.nativeType}): extend this test`,
      );
  }
}

describe('migrations match prisma/schema.prisma', () => {
  let db: TestDatabase;
  let server: TestApp | undefined;
  let settings: Settings;
  let prisma: PrismaService;
  const schema = readSchema(readFileSync(SCHEMA_FILE, 'utf8'));

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startApp(db.env);
    settings = server.settings;
    prisma = server.app.get(PrismaService);
  });

  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  function runtimeDataModel(): RuntimeDataModel {
    return (prisma as unknown as { _runtimeDataModel: RuntimeDataModel })
      ._runtimeDataModel;
  }

  /** Columns of a model as the generated client maps them: `@map` name or field name. */
  function modelColumns(model: string) {
    const runtime = runtimeDataModel().models[model];
    const described = schema.models.get(model) ?? [];
    return runtime.fields
      .filter((field) => field.kind === 'scalar' || field.kind === 'enum')
      .map((field) => {
        const fromSchema = described.find((entry) => entry.name === field.name);
        if (!fromSchema)
          throw new Error(`${model}.${field.name} is not in schema.prisma`);
        return {
          field: fromSchema,
          column: field.dbName ?? field.name,
        };
      });
  }

  it('stores and reads back a row of every model with every field set', async () => {
    const admin = {
      id: randomUUID(),
      email: `ada-${randomUUID()}@example.com`,
      name: 'Ada Agent',
      role: enums.AdminRole.admin,
      passwordHash: '$scrypt$N=16384$c2FsdA$aGFzaA',
      disabled: true,
      tokensValidAfter: new Date('2026-01-02T03:04:05.999Z'),
      createdAt: new Date('2026-01-02T03:04:05.678Z'),
    };
    const session = {
      id: randomUUID(),
      ipAddress: '203.0.113.9',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
      status: enums.SessionStatus.resolved,
      aiEnabled: true,
      assignedAdminId: admin.id,
      adminLastReadMessageId: 9_007_199_254_740_993n,
      unreadCount: 7,
      messageCount: 1,
      lastActivityAt: new Date('2026-01-02T03:04:06.001Z'),
      createdAt: new Date('2026-01-02T03:04:05.999Z'),
      updatedAt: new Date('2026-01-02T03:04:06.002Z'),
    };
    const message = {
      id: 9_007_199_254_740_995n,
      sessionId: session.id,
      sender: enums.Sender.admin,
      content: 'Grüße 👋 — "quoted" \\ and\nnewline',
      clientMessageId: 'client-42 ~!',
      adminId: admin.id,
      createdAt: new Date('2026-01-02T03:04:06.003Z'),
    };
    await prisma.admin.create({ data: admin });
    await prisma.chatSession.create({ data: session });
    await prisma.message.create({ data: message });

    expect(
      await prisma.admin.findUniqueOrThrow({ where: { id: admin.id } }),
    ).toEqual(admin);
    expect(
      await prisma.chatSession.findUniqueOrThrow({ where: { id: session.id } }),
    ).toEqual(session);
    expect(
      await prisma.message.findUniqueOrThrow({ where: { id: message.id } }),
    ).toEqual(message);
    // Every model of the schema is covered above: a new model must be added here.
    expect(Object.keys(runtimeDataModel().models).sort()).toEqual([
      'Admin',
      'ChatSession',
      'Message',
    ]);
  });

  it('stores every value of every enum', async () => {
    const session = await prisma.chatSession.create({
      data: { id: randomUUID(), aiEnabled: false },
    });
    for (const sender of Object.values(enums.Sender)) {
      await prisma.message.create({
        data: { sessionId: session.id, sender, content: sender },
      });
    }
    for (const status of Object.values(enums.SessionStatus)) {
      await prisma.chatSession.update({
        where: { id: session.id },
        data: { status },
      });
    }
    for (const role of Object.values(enums.AdminRole)) {
      await prisma.admin.create({
        data: {
          email: `${role}-${randomUUID()}@example.com`,
          name: role,
          role,
          passwordHash: 'x',
        },
      });
    }
    const stored = await prisma.message.findMany({
      where: { sessionId: session.id },
      orderBy: { id: 'asc' },
    });
    expect(stored.map((row) => row.sender)).toEqual(
      Object.values(enums.Sender),
    );
  });

  it('applies the defaults, keys and relations the schema declares', async () => {
    const admin = await prisma.admin.create({
      data: { email: 'defaults@example.com', name: 'D', passwordHash: 'x' },
    });
    expect(admin).toMatchObject({ role: 'agent', disabled: false });
    const session = await prisma.chatSession.create({
      data: { id: randomUUID(), aiEnabled: true, assignedAdminId: admin.id },
    });
    expect(session).toMatchObject({
      status: 'open',
      unreadCount: 0,
      messageCount: 0,
      adminLastReadMessageId: null,
    });
    const first = await prisma.message.create({
      data: {
        sessionId: session.id,
        sender: 'user',
        content: 'a',
        clientMessageId: 'k',
      },
    });
    const second = await prisma.message.create({
      data: {
        sessionId: session.id,
        sender: 'user',
        content: 'b',
        adminId: admin.id,
      },
    });
    expect(second.id > first.id).toBe(true);
    await expect(
      prisma.message.create({
        data: {
          sessionId: session.id,
          sender: 'user',
          content: 'c',
          clientMessageId: 'k',
        },
      }),
    ).rejects.toMatchObject({ code: 'P2002' });
    await expect(
      prisma.admin.create({
        data: { email: 'defaults@example.com', name: 'E', passwordHash: 'x' },
      }),
    ).rejects.toMatchObject({ code: 'P2002' });

    await prisma.admin.delete({ where: { id: admin.id } });
    expect(
      await prisma.chatSession.findUniqueOrThrow({ where: { id: session.id } }),
    ).toMatchObject({ assignedAdminId: null });
    expect(
      await prisma.message.findUniqueOrThrow({ where: { id: second.id } }),
    ).toMatchObject({ adminId: null });
    await prisma.chatSession.delete({ where: { id: session.id } });
    expect(
      await prisma.message.count({ where: { sessionId: session.id } }),
    ).toBe(0);
  });

  it('has exactly the columns of each model, with their types and nullability', async () => {
    expect(Object.keys(runtimeDataModel().models).sort()).toEqual(
      [...schema.models.keys()].sort(),
    );
    for (const [model, { dbName }] of Object.entries(
      runtimeDataModel().models,
    )) {
      const table = dbName ?? model;
      const rows = await prisma.$queryRaw<
        {
          column_name: string;
          data_type: string;
          udt_name: string;
          is_nullable: 'YES' | 'NO';
          datetime_precision: number | null;
        }[]
      >`SELECT column_name, data_type, udt_name, is_nullable, datetime_precision
        FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ${table}`;
      const actual: Column[] = rows
        .map((row) => ({
          column: row.column_name,
          dataType: row.data_type,
          udtName: row.udt_name,
          nullable: row.is_nullable === 'YES',
          precision:
            row.data_type.startsWith('timestamp') &&
            row.datetime_precision !== null
              ? Number(row.datetime_precision)
              : null,
        }))
        .sort((a, b) => a.column.localeCompare(b.column));
      const expected: Column[] = modelColumns(model)
        .map(({ field, column }) => ({
          column,
          ...expectedColumn(field, schema.enumDbNames),
        }))
        .sort((a, b) => a.column.localeCompare(b.column));
      expect({ table, columns: actual }).toEqual({ table, columns: expected });
    }
  });

  it('has every index schema.prisma names, with the extension it needs', async () => {
    const named = [
      ...readFileSync(SCHEMA_FILE, 'utf8').matchAll(
        /^\s*@@(?:index|unique)\(.*map:\s*"([^"]+)"/gm,
      ),
    ].map(([, name]) => name);
    expect(named.length).toBeGreaterThan(0);
    const rows = await prisma.$queryRaw<{ indexname: string }[]>`
      SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()`;
    expect(rows.map(({ indexname }) => indexname)).toEqual(
      expect.arrayContaining(named),
    );
    const extensions = await prisma.$queryRaw<{ extname: string }[]>`
      SELECT extname FROM pg_extension`;
    expect(extensions.map(({ extname }) => extname)).toContain('pg_trgm');
  });

  it('has each enum type with the values of the generated client', async () => {
    const generated: Record<string, Record<string, string>> = {
      SessionStatus: enums.SessionStatus,
      Sender: enums.Sender,
      AdminRole: enums.AdminRole,
    };
    expect([...schema.enumDbNames.keys()].sort()).toEqual(
      Object.keys(generated).sort(),
    );
    for (const [name, dbName] of schema.enumDbNames) {
      const rows = await prisma.$queryRaw<{ label: string }[]>`
        SELECT e.enumlabel AS label FROM pg_enum e
        JOIN pg_type t ON t.oid = e.enumtypid
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typname = ${dbName} AND n.nspname = current_schema()
        ORDER BY e.enumsortorder`;
      expect({ name, values: rows.map((row) => row.label) }).toEqual({
        name,
        values: Object.values(generated[name]),
      });
    }
  });

  describe('bookkeeping in _prisma_migrations', () => {
    const folders = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();

    interface MigrationRow {
      id: string;
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      applied_steps_count: number;
    }

    const readRows = () =>
      prisma.$queryRaw<MigrationRow[]>`
        SELECT id, migration_name, checksum, finished_at, rolled_back_at, applied_steps_count
        FROM _prisma_migrations ORDER BY migration_name`;

    it('has one finished row per migration folder, with the sha256 of its migration.sql', async () => {
      expect(folders.length).toBeGreaterThan(0);
      const rows = await readRows();
      expect(rows.map((row) => row.migration_name)).toEqual(folders);
      for (const row of rows) {
        const sql = readFileSync(
          join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'),
        );
        expect(row.checksum).toBe(
          createHash('sha256').update(sql).digest('hex'),
        );
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.rolled_back_at).toBeNull();
        expect(row.applied_steps_count).toBeGreaterThan(0);
      }
    });

    it('applies nothing when the app starts again', async () => {
      const before = await readRows();
      await server!.close();
      server = undefined;
      server = await startApp(db.env);
      prisma = server.app.get(PrismaService);
      expect(await readRows()).toEqual(before);
    });

    it('refuses a migration whose file changed after it was applied, naming it', async () => {
      await server!.close();
      server = undefined;
      const database = openDatabase(settings);
      const quiet = new Logger('Migrations test');
      try {
        await database.withSession(async (session) => {
          expect(await applyMigrations(session, MIGRATIONS_DIR, quiet)).toEqual(
            [],
          );
          const [edited] = folders;
          await session.query(
            'UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2',
            ['0'.repeat(64), edited],
          );
          const refused = applyMigrations(session, MIGRATIONS_DIR, quiet);
          await expect(refused).rejects.toBeInstanceOf(MigrationError);
          await expect(refused).rejects.toThrow(edited);
          const rows = await session.query<{ migration_name: string }>(
            'SELECT migration_name FROM _prisma_migrations ORDER BY migration_name',
          );
          expect(rows.map((row) => row.migration_name)).toEqual(folders);
        });
      } finally {
        await database.close();
      }
    });
  });
});
