import { io, type Socket } from 'socket.io-client';

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

/** Emits with a callback and resolves with the ack; fails if none comes in time. */
export function ack<T = any>(
  socket: Socket,
  event: string,
  ...args: unknown[]
): Promise<T> {
  return socket
    .timeout(DEFAULT_TIMEOUT_MS)
    .emitWithAck(event, ...args) as Promise<T>;
}

/** Resolves with the next `event` payload that matches, or fails after the timeout. */
export function nextEvent<T = any>(
  socket: Socket,
  event: string,
  matches: (payload: T) => boolean = () => true,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Collects every `event` payload from now on, for asserting order or absence. */
export function record<T = any>(socket: Socket, event: string): T[] {
  const received: T[] = [];
  socket.on(event, (payload: T) => received.push(payload));
  return received;
}

export const sleep = (ms: number) =>
  new Promise((resolve) => setTimeout(resolve, ms));
