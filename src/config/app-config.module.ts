import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Settings } from './settings';

@Module({})
export class AppConfigModule {
  /**
   * The settings were validated before the app was built; this makes them injectable as
   * `ConfigService<Settings, true>` (read with `config.get('messageMaxLength', { infer: true })`).
   */
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => ({ ...settings })],
        }),
      ],
    };
  }
}
