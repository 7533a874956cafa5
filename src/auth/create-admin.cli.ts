import { parseArgs } from 'node:util';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppError } from '../common/errors';
import { validateDto } from '../common/validation';
import { AppConfigModule } from '../config/app-config.module';
import {
  InvalidSettingError,
  loadSettingsFromProcess,
  type Settings,
} from '../config/settings';
import {
  DatabaseStartError,
  DataFolderInUseError,
} from '../prisma/prisma.errors';
import { PrismaModule } from '../prisma/prisma.module';
import { AdminAccountsService } from './admin-accounts.service';
import { AgentAccountDto } from './dto/agent.dto';
import { generatePassword } from './password-hasher';

const USAGE =
  'Usage: npm run admin:create -- --email agent@example.com --name "Ada" [--role agent|admin]';

@Module({ providers: [AdminAccountsService] })
class CreateAdminModule {}

/** `npm run admin:create`: adds an agent account and prints its generated password once. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', default: 'agent' },
    },
  });
  if (!values.email || !values.name) {
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = 1;
    return;
  }
  // The same rules as POST /api/admin/agents.
  const account = validateDto(AgentAccountDto, values);
  const role = account.role ?? 'agent';
  const settings = loadSettingsFromProcess();
  const context = await NestFactory.createApplicationContext(
    {
      module: CreateAdminModule,
      imports: [AppConfigModule.forRoot(settings), PrismaModule],
    },
    { logger: ['error', 'warn'] },
  ).catch((error: unknown) => {
    if (error instanceof DataFolderInUseError && isServer(error))
      throw new DatabaseStartError(
        whileTheServerRuns(error, settings, {
          email: account.email,
          name: account.name,
          role,
        }),
      );
    throw error;
  });
  try {
    const { admin, password } = await context.get(AdminAccountsService).create({
      email: account.email,
      name: account.name,
      role,
    });
    process.stdout.write(
      `Created ${admin.role} ${admin.email}. Password (shown only now): ${password}\n`,
    );
  } finally {
    await context.close();
  }
}

/** `node dist/main` or `nest start`, as opposed to another CLI run, which the generic message covers. */
function isServer(error: DataFolderInUseError): boolean {
  return error.checkable && /^main(\.js)?$/.test(error.holder.program);
}

/**
 * The embedded database is open in the server (one process per data folder): an account written beside it
 * would be lost. Say so, and give the REST route that creates the account through the server instead.
 */
function whileTheServerRuns(
  error: DataFolderInUseError,
  settings: Settings,
  account: { email: string; name: string; role: string },
): string {
  const base = `http://localhost:${settings.port}`;
  const login = JSON.stringify({
    email: settings.adminEmail ?? 'ADMIN_EMAIL',
    password: 'ADMIN_PASSWORD',
  });
  const agent = JSON.stringify({ ...account, password: generatePassword() });
  return [
    `The server (PID ${error.holder.pid}) has the embedded database in ${error.dataDir} open, and only one process may open it: nothing was created. Stop the server and run this command again, or create the account through the running server with POST /api/admin/agents, signed in as an admin (the password below is the new account's):`,
    `  TOKEN=$(curl -s ${base}/api/auth/login -H 'Content-Type: application/json' -d ${shellQuote(login)} | sed -E 's/.*"accessToken":"([^"]+)".*/\\1/')`,
    `  curl ${base}/api/admin/agents -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d ${shellQuote(agent)}`,
  ].join('\n');
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

main().catch((error: unknown) => {
  if (error instanceof DatabaseStartError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    new Logger('Admin').error(
      error instanceof InvalidSettingError || error instanceof AppError
        ? error.message
        : `Could not create the account: ${String(error)}`,
    );
  }
  process.exitCode = 1;
});
