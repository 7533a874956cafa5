import { WidgetEvent } from '../../src/realtime/widget.events';
import { ackOk, connect, type TestSocket } from './sockets';
import type { TestApp } from './test-app';

/**
 * A widget socket on a session of its own. With `address`, it arrives through a proxy that says the visitor
 * is there (`X-Forwarded-For`): start the app with TRUST_PROXY=1 for the server to believe it.
 */
export async function newVisitor(
  server: TestApp,
  address?: string,
): Promise<{ socket: TestSocket; sessionId: string }> {
  const socket = await connect(server.url, {
    extraHeaders: address ? { 'X-Forwarded-For': address } : undefined,
  });
  const { sessionId } = await ackOk(socket, WidgetEvent.InitSession, {});
  return { socket, sessionId };
}
