import type { IncomingMessage } from 'node:http';
import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  Logger,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import type { Socket } from 'socket.io';
import { ClientAddresses, requestAddress } from './client-address';
import type { Settings } from '../config/settings';
import { AppError, ErrorCode } from './errors';
import { type TakeResult, TokenBucketLimiter } from './token-bucket';
import { answerRefusal } from './ws-ack';

const MINUTE_MS = 60_000;
/** The key of clients whose address could not be read (their socket closed first): they share one budget. */
const UNKNOWN_ADDRESS = 'unknown';
const HOUR_MS = 60 * MINUTE_MS;

/**
 * A widget socket refused this many times within REFUSAL_WINDOW_MS is a script, not a visitor (a visitor is
 * never refused at all): it is disconnected. Counted in a window, so pacing between refusals does not help.
 */
const REFUSALS_BEFORE_DISCONNECT = 20;
const REFUSAL_WINDOW_MS = MINUTE_MS;

interface LimitedSocketData {
  /** When this socket's recent refusals happened, oldest first. */
  refusedAt?: number[];
}

/** The engine-level place an admitted handshake holds until its connection closes (or never opens). */
interface ConnectionSlot {
  address: string;
  state: 'pending' | 'open' | 'released';
  /** Stops watching the handshake's TCP socket once the connection has opened. */
  unwatch: () => void;
}

/** What AppIoAdapter hands over of an engine.io connection: the handshake it came from, and its end. */
export interface EngineConnection {
  readonly request: IncomingMessage;
  once(event: 'close', listener: () => void): unknown;
}

function rateLimited(
  result: Extract<TakeResult, { allowed: false }>,
): AppError {
  return new AppError(ErrorCode.RATE_LIMITED, 'Too many requests; slow down', {
    retryAfterMs: result.retryAfterMs,
  });
}

/** A bucket that holds `burst` and refills at `perMinute`. */
function bucket(burst: number, perMinute: number): TokenBucketLimiter {
  return new TokenBucketLimiter(burst, (burst / perMinute) * MINUTE_MS);
}

/**
 * The budgets of strangers, one implementation for every transport: widget events per socket and per IP,
 * new sessions per IP, open connections per IP (at the engine, before any namespace, and per widget
 * socket), and the public write routes per IP.
 */
@Injectable()
export class RateLimits {
  private readonly perSocket: TokenBucketLimiter;
  private readonly perIp: TokenBucketLimiter;
  private readonly httpWrites: TokenBucketLimiter;
  private readonly newSessions: TokenBucketLimiter;
  private readonly maxConnectionsPerIp: number;
  private readonly widgetSocketsByIp = new Map<string, number>();
  private readonly engineConnectionsByIp = new Map<string, number>();
  private readonly slots = new WeakMap<IncomingMessage, ConnectionSlot>();
  private readonly logger = new Logger(RateLimits.name);

  constructor(
    config: ConfigService<Settings, true>,
    private readonly addresses: ClientAddresses,
  ) {
    this.perSocket = bucket(
      config.get('widgetEventBurst', { infer: true }),
      config.get('widgetEventsPerMinute', { infer: true }),
    );
    const perIpPerMinute = config.get('widgetEventsPerMinutePerIp', {
      infer: true,
    });
    this.perIp = bucket(perIpPerMinute, perIpPerMinute);
    const writesPerMinute = config.get('httpWritesPerMinutePerIp', {
      infer: true,
    });
    this.httpWrites = bucket(writesPerMinute, writesPerMinute);
    const sessionsPerHour = config.get('newSessionsPerHourPerIp', {
      infer: true,
    });
    this.newSessions = new TokenBucketLimiter(sessionsPerHour, HOUR_MS);
    this.maxConnectionsPerIp = config.get('maxConnectionsPerIp', {
      infer: true,
    });
  }

  /**
   * Engine level, for both namespaces and every transport: admits a handshake while its address has fewer
   * than MAX_CONNECTIONS_PER_IP connections open or opening, and holds a place for it.
   */
  admitHandshake(request: IncomingMessage): boolean {
    const address = this.addresses.of(request) ?? UNKNOWN_ADDRESS;
    const open = this.engineConnectionsByIp.get(address) ?? 0;
    if (open >= this.maxConnectionsPerIp) return false;
    this.engineConnectionsByIp.set(address, open + 1);
    // A handshake that fails after being admitted (a broken WebSocket upgrade) never becomes a connection.
    const onClose = () => this.release(slot);
    const slot: ConnectionSlot = {
      address,
      state: 'pending',
      unwatch: () => request.socket.off('close', onClose),
    };
    this.slots.set(request, slot);
    request.socket.once('close', onClose);
    return true;
  }

  /** The engine opened the connection of an admitted handshake: its place is held until it closes. */
  engineConnectionOpened(connection: EngineConnection): void {
    const slot = this.slots.get(connection.request);
    if (!slot || slot.state !== 'pending') return;
    slot.state = 'open';
    slot.unwatch();
    connection.once('close', () => this.release(slot));
  }

  /** Widget namespace: returns false when the IP already has its maximum of open widget sockets. */
  openConnection(socket: Socket): boolean {
    const address = this.addresses.ofSocket(socket) ?? UNKNOWN_ADDRESS;
    const open = this.widgetSocketsByIp.get(address) ?? 0;
    if (open >= this.maxConnectionsPerIp) return false;
    this.widgetSocketsByIp.set(address, open + 1);
    socket.once('disconnect', () => this.closeConnection(address, socket.id));
    return true;
  }

  /**
   * Widget namespace: every event the socket sends spends from its budgets before anything else looks at
   * it, whatever its name (unknown events and the admin namespace's included).
   */
  limitEvents(socket: Socket): void {
    socket.use((packet, next) => {
      try {
        this.takeWidgetEvent(socket);
      } catch (error) {
        answerRefusal(socket, packet, error as AppError);
        return;
      }
      next();
    });
  }

  /** A new session for this address (init_session starting one, or POST /api/chat/session). */
  takeNewSession(address: string | undefined): void {
    const result = this.newSessions.take(address ?? UNKNOWN_ADDRESS);
    if (!result.allowed) throw rateLimited(result);
  }

  /** Gives back a new-session token when no session was created after all (it existed, or the write failed). */
  giveBackNewSession(address: string | undefined): void {
    this.newSessions.giveBack(address ?? UNKNOWN_ADDRESS);
  }

  takeHttpWrite(ipAddress: string | undefined): void {
    const result = this.httpWrites.take(ipAddress ?? UNKNOWN_ADDRESS);
    if (!result.allowed) throw rateLimited(result);
  }

  /**
   * One widget event. The socket's own budget is checked first and a refusal there does not touch its IP's
   * budget, so one flooding tab cannot starve its neighbours.
   */
  private takeWidgetEvent(socket: Socket): void {
    const own = this.perSocket.take(socket.id);
    const result = own.allowed
      ? this.perIp.take(this.addresses.ofSocket(socket) ?? UNKNOWN_ADDRESS)
      : own;
    if (result.allowed) return;
    if (this.tooManyRefusals(socket)) {
      this.logger.warn(
        `Disconnecting a widget socket from ${this.addresses.ofSocket(socket) ?? UNKNOWN_ADDRESS}: ` +
          `${REFUSALS_BEFORE_DISCONNECT} events refused within ${REFUSAL_WINDOW_MS / 1000} s`,
      );
      socket.disconnect(true);
    }
    throw rateLimited(result);
  }

  private tooManyRefusals(socket: Socket): boolean {
    const now = Date.now();
    const data = socket.data as LimitedSocketData;
    const recent = (data.refusedAt ?? []).filter(
      (at) => now - at < REFUSAL_WINDOW_MS,
    );
    recent.push(now);
    data.refusedAt = recent;
    return recent.length >= REFUSALS_BEFORE_DISCONNECT;
  }

  private release(slot: ConnectionSlot): void {
    if (slot.state === 'released') return;
    slot.state = 'released';
    const open = (this.engineConnectionsByIp.get(slot.address) ?? 1) - 1;
    if (open <= 0) this.engineConnectionsByIp.delete(slot.address);
    else this.engineConnectionsByIp.set(slot.address, open);
  }

  private closeConnection(address: string, socketId: string): void {
    this.perSocket.reset(socketId);
    const open = (this.widgetSocketsByIp.get(address) ?? 1) - 1;
    if (open <= 0) this.widgetSocketsByIp.delete(address);
    else this.widgetSocketsByIp.set(address, open);
  }
}

/** Guard for the public write routes (new sessions, messages). */
@Injectable()
export class HttpWriteRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimits) {}

  canActivate(context: ExecutionContext): boolean {
    this.limits.takeHttpWrite(
      requestAddress(context.switchToHttp().getRequest<Request>()),
    );
    return true;
  }
}
