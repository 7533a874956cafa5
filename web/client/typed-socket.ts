import type { Socket } from 'socket.io-client';
import type { Ack, ClientEventSpec } from '../../src/realtime/ack';
import { ChatError } from './errors';

/** The wire protocol this client speaks, declared in the handshake (`auth.protocol`). */
export const PROTOCOL_VERSION = 1;

/** The server answers within 8 s (its deadline); a little more covers the network. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** A namespace's client → server map: every event's payload and ack data. */
type ClientMap<Events> = {
  [E in keyof Events]: ClientEventSpec<unknown, object>;
};

/** socket.io-client's own listener typing cannot see our maps. */
interface UntypedEvents {
  on(event: string, listener: (payload: never) => void): void;
  off(event: string, listener: (payload: never) => void): void;
}

/** The data of a successful ack of event E. */
export type AckData<
  Events extends ClientMap<Events>,
  E extends keyof Events,
> = Events[E]['ack'];

/**
 * A Socket.IO socket typed by one namespace's maps: `request` sends an event and resolves with its ack's
 * data or rejects with a ChatError; `on` listens to a server event.
 */
export class TypedSocket<
  ClientEvents extends ClientMap<ClientEvents>,
  ServerEvents extends object,
> {
  constructor(readonly raw: Socket) {}

  get connected(): boolean {
    return this.raw.connected;
  }

  async request<E extends keyof ClientEvents & string>(
    event: E,
    payload: ClientEvents[E]['payload'],
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<AckData<ClientEvents, E>> {
    let reply: Ack<AckData<ClientEvents, E>>;
    try {
      reply = (await this.raw
        .timeout(timeoutMs)
        .emitWithAck(event, payload)) as Ack<AckData<ClientEvents, E>>;
    } catch {
      throw new ChatError('TIMEOUT', `No answer to ${event} in time`);
    }
    if (!reply.ok) throw ChatError.from(reply.error);
    return reply;
  }

  on<E extends keyof ServerEvents & string>(
    event: E,
    listener: (payload: ServerEvents[E]) => void,
  ): () => void {
    const untyped = this.raw as unknown as UntypedEvents;
    untyped.on(event, listener);
    return () => untyped.off(event, listener);
  }
}
