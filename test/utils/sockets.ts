import { io, type Socket } from 'socket.io-client';
import type { ErrorBody } from '../../src/common/errors';
import type { Ack, ClientEventSpec } from '../../src/realtime/ack';
import type {
  AdminClientEvents,
  AdminServerEvents,
} from '../../src/realtime/admin.events';
import type {
  WidgetClientEvents,
  WidgetServerEvents,
} from '../../src/realtime/widget.events';

const DEFAULT_TIMEOUT_MS = 5000;

export type TestSocket = Socket;

export interface ConnectOptions {
  namespace?: '/' | '/admin';
  auth?: Record<string, unknown>;
  extraHeaders?: Record<string, string>;
}

/** A real socket.io-client connection, closed by closeAll(). */
const opened = new Set<Socket>();

export async function connect(
  baseUrl: string,
  options: ConnectOptions = {},
): Promise<Socket> {
  const socket = io(`${baseUrl}${options.namespace ?? '/'}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: options.auth,
    extraHeaders: options.extraHeaders,
  });
  opened.add(socket);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('connect timed out')),
      DEFAULT_TIMEOUT_MS,
    );
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return socket;
}

export function closeAll(): void {
  for (const socket of opened) socket.disconnect();
  opened.clear();
}

/**
 * Every event of both namespaces by name. A test socket is not typed by its namespace (tests send admin events
 * on `/` on purpose), so a name is looked up in both maps; a name both use must mean the same on both, and one
 * that does not becomes `never` here, so no test can read it with the other namespace's shape.
 */
type ByName<A, B> = {
  [K in keyof A | keyof B]: K extends keyof A
    ? K extends keyof B
      ? [A[K], B[K]] extends [B[K], A[K]]
        ? A[K]
        : never
      : A[K]
    : K extends keyof B
      ? B[K]
      : never;
};

type ClientEvents = ByName<WidgetClientEvents, AdminClientEvents>;

/** Every client → server event name, on either namespace. */
export type ClientEventName = keyof ClientEvents;

type AckData = {
  [E in ClientEventName]: ClientEvents[E] extends ClientEventSpec<
    unknown,
    infer Data extends object
  >
    ? Data
    : never;
};

/** What event E's successful ack adds to `{ ok: true }` (for a union of events, the union of theirs). */
export type AckDataOf<E extends ClientEventName> = AckData[E];

/** Events the socket.io client raises itself, listened to like the server's. */
interface ClientSideEvents {
  disconnect: Socket.DisconnectReason;
}

type ServerEvents = ByName<WidgetServerEvents, AdminServerEvents> &
  ClientSideEvents;

/** Every server → client event name, on either namespace, and `disconnect`. */
export type ServerEventName = keyof ServerEvents;

/** The payload of server → client event E. */
export type PayloadOf<E extends ServerEventName> = ServerEvents[E];

/**
 * Emits with a callback and resolves with the ack, typed by the event; fails if none comes in time.
 * The payload is `unknown` because tests send junk on purpose; leaving it out sends no argument at all.
 */
export function ack<E extends ClientEventName>(
  socket: Socket,
  event: E,
  ...payload: [payload?: unknown]
): Promise<Ack<AckDataOf<E>>> {
  return ackWithin(DEFAULT_TIMEOUT_MS, socket, event, ...payload);
}

/** `ack` with a timeout of the test's choosing. */
export function ackWithin<E extends ClientEventName>(
  timeoutMs: number,
  socket: Socket,
  event: E,
  ...payload: [payload?: unknown]
): Promise<Ack<AckDataOf<E>>> {
  // The one place the server's reply is taken to have the shape the map promises; the tests check the rest.
  return socket.timeout(timeoutMs).emitWithAck(event, ...payload) as Promise<
    Ack<AckDataOf<E>>
  >;
}

/** Resolves with the ack of an event that must succeed; a refusal fails with its code and message. */
export async function ackOk<E extends ClientEventName>(
  socket: Socket,
  event: E,
  ...payload: [payload?: unknown]
): Promise<{ ok: true } & AckDataOf<E>> {
  return succeeded(event, await ack(socket, event, ...payload));
}

/** The reply to `event`, which must be a success; a refusal fails with its code and message. */
export function succeeded<T extends object>(
  event: string,
  reply: Ack<T>,
): { ok: true } & T {
  if (!reply.ok) {
    throw new Error(
      `${event} was refused: ${reply.error.code}: ${reply.error.message}`,
    );
  }
  return reply;
}

/** The error of a reply that must be a refusal, to read its fields; fails if the reply was a success. */
export function refusal(reply: Ack): ErrorBody {
  if (reply.ok) {
    throw new Error(`expected a refusal, got ${JSON.stringify(reply)}`);
  }
  return reply.error;
}

/** Untyped, for what no map describes: an event name no namespace knows, or arguments after the payload. */
export function rawAck(
  socket: Socket,
  event: string,
  ...args: unknown[]
): Promise<unknown> {
  return socket.timeout(DEFAULT_TIMEOUT_MS).emitWithAck(event, ...args);
}

/** Resolves with the next `event` payload that matches, or fails after the timeout. */
export function nextEvent<E extends ServerEventName>(
  socket: Socket,
  event: E,
  matches: (payload: PayloadOf<E>) => boolean = () => true,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<PayloadOf<E>> {
  const name: string = event;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(name, listener);
      reject(new Error(`no ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: PayloadOf<E>) => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      socket.off(name, listener);
      resolve(payload);
    };
    socket.on(name, listener);
  });
}

/** Collects every `event` payload from now on, for asserting order or absence. */
export function record<E extends ServerEventName>(
  socket: Socket,
  event: E,
): PayloadOf<E>[] {
  const name: string = event;
  const received: PayloadOf<E>[] = [];
  socket.on(name, (payload: PayloadOf<E>) => received.push(payload));
  return received;
}

export const sleep = (ms: number) =>
  new Promise((resolve) => setTimeout(resolve, ms));
