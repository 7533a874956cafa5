import type { Request } from 'express';
import type { Socket } from 'socket.io';

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * A dual-stack listener reports IPv4 clients as `::ffff:a.b.c.d`; the plain IPv4 form is what agents read,
 * and one client then has one address whichever way it came in.
 */
export function plainAddress(address: string): string {
  return IPV4_MAPPED.exec(address)?.[1] ?? address;
}

/** A socket's client address as this server trusts it (X-Forwarded-For only with TRUST_PROXY). */
export function socketAddress(socket: Socket, trustProxy: boolean): string {
  const forwarded = socket.handshake.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)
    ?.split(',')[0]
    ?.trim();
  const address = (trustProxy && first) || socket.handshake.address;
  return address ? plainAddress(address) : 'unknown';
}

/** An HTTP request's client address; Express applies TRUST_PROXY (`trust proxy`) to `request.ip`. */
export function requestAddress(request: Request): string | undefined {
  return request.ip === undefined ? undefined : plainAddress(request.ip);
}
