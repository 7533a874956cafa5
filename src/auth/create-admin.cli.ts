import { parseArgs } from 'node:util';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppError } from '../common/errors';
import { validateDto } from '../common/validation';
import { AppConfigModule } from '../config/app-config.module';
import {
  InvalidSettingError,
  loadSettingsFromProcess,
} from '../config/settings';
import { DatabaseStartError } from '../prisma/prisma.errors';
import { PrismaModule } from '../prisma/prisma.module';
import { AdminAccountsService } from './admin-accounts.service';
import { AgentAccountDto } from './dto/agent.dto';

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
  const settings = loadSettingsFromProcess();
  const context = await NestFactory.createApplicationContext(
    {
      module: CreateAdminModule,
      imports: [AppConfigModule.forRoot(settings), PrismaModule],
    },
    { logger: ['error', 'warn'] },
  );
  try {
    const { admin, password } = await context.get(AdminAccountsService).create({
      email: account.email,
      name: account.name,
      role: account.role ?? 'agent',
    });
    process.stdout.write(
      `Created ${admin.role} ${admin.email}. Password (shown only now): ${password}\n`,
    );
  } finally {
    await context.close();
  }
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
