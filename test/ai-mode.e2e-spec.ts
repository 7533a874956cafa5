import { AdminEvent, AdminServerEvent } from '../src/realtime/admin.events';
import { WidgetEvent, WidgetServerEvent } from '../src/realtime/widget.events';
import { adminEnv, connectAdmin } from './utils/admin';
import { ack, ackOk, closeAll, connect, nextEvent } from './utils/sockets';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

describe('AI mode toggled by an agent', () => {
  let db: TestDatabase;
  let server: TestApp | undefined;
  // A key is configured so the AI may be turned on; no reply is ever requested in this file.
  const env = () => ({
    ...db.env,
    ...adminEnv,
    AI_API_KEYS: 'sk-test-toggle',
    AI_BASE_URL: 'http://127.0.0.1:9',
  });

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    closeAll();
    await server?.close();
    server = undefined;
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('reaches the widget and every admin, and survives a restart', async () => {
    server = await startApp(env());
    const widget = await connect(server.url);
    const init = await ackOk(widget, WidgetEvent.InitSession, {});
    const sessionId: string = init.sessionId;
    expect(init.session.aiEnabled).toBe(true);
    const agent = await connectAdmin(server);
    const colleague = await connectAdmin(server);
    const atWidget = nextEvent(widget, WidgetServerEvent.AiModeChanged);
    const atColleague = nextEvent(colleague, AdminServerEvent.AiModeChanged);
    expect(
      await ack(agent, AdminEvent.ToggleAiMode, { sessionId, enabled: false }),
    ).toEqual({ ok: true });
    expect(await atWidget).toEqual({ sessionId, enabled: false });
    expect(await atColleague).toEqual({ sessionId, enabled: false });
    closeAll();
    await server.close();

    server = await startApp(env());
    const again = await connect(server.url);
    const resumed = await ackOk(again, WidgetEvent.InitSession, { sessionId });
    expect(resumed.session.aiEnabled).toBe(false);
    const handedBack = nextEvent(again, WidgetServerEvent.AiModeChanged);
    const admin = await connectAdmin(server);
    expect(
      await ack(admin, AdminEvent.ToggleAiMode, { sessionId, enabled: true }),
    ).toEqual({ ok: true });
    expect(await handedBack).toEqual({ sessionId, enabled: true });
  });
});
