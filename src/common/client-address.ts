import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import proxyAddr from 'proxy-addr';
import type { Socket } from 'socket.io';
import type { Settings, TrustProxy } from '../config/settings';

/** Whether the peer `hop` steps from the server (0: the one connected to it) is a proxy to believe. */
export type TrustFunction = (address: string, hop: number) => boolean;

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * A dual-stack listener reports IPv4 clients as `::ffff:a.b.c.d`; the plain IPv4 form is what agents read,
 * and one client then has one address whichever way it came in.
 */
export function plainAddress(address: string): string {
  return IPV4_MAPPED.exec(address)?.[1] ?? address;
}

/** The TRUST_PROXY setting as the function Express and proxy-addr call for each hop. */
export function compileTrust(trustProxy: TrustProxy): TrustFunction {
  if (trustProxy === false) return () => false;
  if (typeof trustProxy === 'number') return (_, hop) => hop < trustProxy;
  return proxyAddr.compile(trustProxy);
}

/**
 * The client behind a request: the right-most X-Forwarded-For entry that `trust` does not vouch for
 * (Express's rule, through proxy-addr, as `request.ip` does). Entries left of it are the client's own
 * words and never count. An entry that is not an IP address (a proxy that writes ports, or a hop count
 * larger than the chain) gives way to the nearest valid address on the server's side of it, so what is
 * stored and limited is always an IP.
 */
export function clientAddress(
  request: IncomingMessage,
  trust: TrustFunction,
): string | undefined {
  const chain = proxyAddr.all(request, trust);
  for (let hop = chain.length - 1; hop >= 0; hop--) {
    const address = chain[hop] && plainAddress(chain[hop]);
    if (address && isIP(address)) return address;
  }
  return undefined;
}

/** An HTTP request's client address, by the same rule Express applies to TRUST_PROXY (`trust proxy`). */
export function requestAddress(request: Request): string | undefined {
  return clientAddress(
    request,
    request.app.get('trust proxy fn') as TrustFunction,
  );
}

/**
 * Client addresses for both socket namespaces, decided once per connection when its handshake arrives (the
 * handshake's TCP socket may be gone by the time a long-polling client sends an event).
 */
@Injectable()
export class ClientAddresses {
  /** Set as Express's `trust proxy`, so HTTP and sockets follow one rule. */
  readonly trust: TrustFunction;
  private readonly trustsProxies: boolean;
  private readonly byHandshake = new WeakMap<IncomingMessage, string>();
  private warnedAboutForwarding = false;
  private readonly logger = new Logger(ClientAddresses.name);

  constructor(config: ConfigService<Settings, true>) {
    const trustProxy = config.get('trustProxy', { infer: true });
    this.trust = compileTrust(trustProxy);
    this.trustsProxies = trustProxy !== false;
  }

  /** The address of the client that sent this handshake (or HTTP request), remembered for its connection. */
  of(request: IncomingMessage): string | undefined {
    const known = this.byHandshake.get(request);
    if (known) return known;
    const address = clientAddress(request, this.trust);
    if (address) this.byHandshake.set(request, address);
    return address;
  }

  ofSocket(socket: Socket): string | undefined {
    return this.of(socket.request);
  }

  /**
   * Forwarded requests while no proxy is trusted mean a proxy nobody told us about: every client behind it
   * shares its address and its limits. Said once per process, with what to set.
   */
  noticeForwarding(request: IncomingMessage): void {
    if (
      this.trustsProxies ||
      this.warnedAboutForwarding ||
      request.headers['x-forwarded-for'] === undefined
    )
      return;
    this.warnedAboutForwarding = true;
    this.logger.warn(
      `Requests carry X-Forwarded-For but TRUST_PROXY is off, so every client behind that proxy shares its address ` +
        `(${plainAddress(request.socket.remoteAddress ?? 'unknown')}) and its limits: set TRUST_PROXY to the number ` +
        'of proxies in front of this server (e.g. TRUST_PROXY=1) or to their addresses (e.g. TRUST_PROXY=loopback,10.0.0.0/8)',
    );
  }
}
