import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import {
  parseSettings,
  type RawEnvironment,
  type Settings,
} from '../../src/config/settings';

export interface TestApp {
  app: NestExpressApplication;
  /** http://127.0.0.1:PORT */
  url: string;
  settings: Settings;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Replace true externals only (the clock, retry delays); everything else runs for real. */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

/** Boots the real AppModule, configured exactly as main.ts does, on a free port. */
export async function startApp(
  env: RawEnvironment,
  options: StartOptions = {},
): Promise<TestApp> {
  const settings = parseSettings({ LOG_LEVEL: 'error', ...env, PORT: '0' });
  const builder = Test.createTestingModule({
    imports: [AppModule.forRoot(settings)],
  });
  const moduleRef = await (options.override?.(builder) ?? builder).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  configureApp(app, settings);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, settings, close: () => app.close() };
}
