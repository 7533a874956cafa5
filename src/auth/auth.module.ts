import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import type { Settings } from '../config/settings';
import { AdminAccountsService } from './admin-accounts.service';
import { AdminAuthGuard } from './admin-auth';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { InitialAdmin } from './initial-admin';
import { resolveJwtSecret } from './jwt-secret';
import { LoginThrottle } from './login-throttle';

/** Agent accounts, login and access tokens. */
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Settings, true>) => ({
        secret: resolveJwtSecret({
          jwtSecret: config.get('jwtSecret', { infer: true }),
          dataDir: config.get('dataDir', { infer: true }),
        }),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AdminAccountsService,
    AuthService,
    AdminAuthGuard,
    InitialAdmin,
    LoginThrottle,
  ],
  exports: [AdminAccountsService, AuthService, AdminAuthGuard],
})
export class AuthModule {}
