import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Settings } from '../config/settings';
import { AdminAccountsService } from './admin-accounts.service';

const GENERATED_ADMIN_EMAIL = 'admin@localhost';

/**
 * Makes sure someone can sign in: ADMIN_EMAIL/ADMIN_PASSWORD create or update that admin at every
 * start; with neither and no account at all, one admin is created and its password printed this once.
 */
@Injectable()
export class InitialAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger('Admin');

  constructor(
    private readonly accounts: AdminAccountsService,
    private readonly config: ConfigService<Settings, true>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const email = this.config.get('adminEmail', { infer: true });
    const password = this.config.get('adminPassword', { infer: true });
    if (email && password) {
      await this.accounts.upsertWithPassword(email, password);
      return;
    }
    if (email || password) {
      this.logger.warn(
        'Set both ADMIN_EMAIL and ADMIN_PASSWORD to configure the first admin',
      );
    }
    if ((await this.accounts.count()) > 0) return;
    const created = await this.accounts.create({
      email: GENERATED_ADMIN_EMAIL,
      name: 'Admin',
      role: 'admin',
    });
    this.logger.warn(
      `Created the first admin. Sign in as ${created.admin.email} with password ${created.password} ` +
        '(shown only this once; set ADMIN_EMAIL and ADMIN_PASSWORD to choose your own)',
    );
  }
}
