import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { createAppLogger } from '../../src/observability/app-logger';
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
  /** `::` listens dual-stack, as `npm start` does; IPv4 clients then arrive as `::ffff:a.b.c.d`. */
  host?: '127.0.0.1' | '::';
  /** A fixed port, to start the app again where open pages and sockets expect it. */
  port?: number;
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
    logger: createAppLogger(settings, ['error', 'warn']),
  });
  configureApp(app, settings);
  await app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return { app, url, settings, close: () => app.close() };
}
