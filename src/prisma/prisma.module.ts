import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Settings } from '../config/settings';
import { openDatabase } from './database-connection';
import { DATABASE_CONNECTION, PrismaService } from './prisma.service';

@Global()
@Module({
  providers: [
    {
      provide: DATABASE_CONNECTION,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Settings, true>) =>
        openDatabase({
          databaseUrl: config.get('databaseUrl', { infer: true }),
          dataDir: config.get('dataDir', { infer: true }),
        }),
    },
    PrismaService,
  ],
  exports: [PrismaService],
})
export class PrismaModule {}
