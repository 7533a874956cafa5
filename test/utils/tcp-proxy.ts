import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the app and a real server, which a test cuts and restores to play a network
 * outage without touching the server itself.
 */
export interface TcpProxy {
  readonly port: number;
  /**
   * `refuse`: drop every open connection and refuse new ones, as when the server goes down.
   * `blackhole`: accept and open connections but never deliver a byte, as when the network stalls.
   */
  cut(mode: 'refuse' | 'blackhole'): Promise<void>;
  /** Hold every byte in both directions, as a slow network would, until restore() delivers them. */
  pause(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(
  targetHost: string,
  targetPort: number,
): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let blackhole = false;
  let held: (() => void)[] | undefined;
  let server: Server | undefined;
  let port = 0;

  const track = (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const onConnection = (client: Socket) => {
    track(client);
    if (blackhole) return;
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (blackhole) return;
      if (held) held.push(() => to.write(chunk));
      else to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(onConnection);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });

  const dropAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };

  await listen();
  return {
    get port() {
      return port;
    },
    async cut(mode) {
      if (mode === 'blackhole') {
        blackhole = true;
        return;
      }
      dropAll();
      await stopListening();
    },
    pause() {
      held ??= [];
    },
    async restore() {
      if (held) {
        const delivering = held;
        held = undefined;
        for (const deliver of delivering) deliver();
        return;
      }
      if (blackhole) {
        blackhole = false;
        // Connections that lost bytes while stalled are unusable: end them as a real network would.
        dropAll();
        return;
      }
      if (!server) await listen();
    },
    async close() {
      dropAll();
      await stopListening();
    },
  };
}

/** A proxy in front of the server `url` names, and that URL pointed at the proxy instead. */
export async function proxyInFrontOf(
  url: string,
  defaultPort: number,
): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(url);
  const proxy = await startTcpProxy(
    target.hostname,
    Number(target.port || defaultPort),
  );
  target.hostname = '127.0.0.1';
  target.port = String(proxy.port);
  return { proxy, url: target.href };
}
