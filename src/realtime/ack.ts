import type { ErrorBody } from '../common/errors';

/** The one reply every client → server event sent with a callback gets. */
export type Ack<T extends object = object> =
  ({ ok: true } & T) | { ok: false; error: ErrorBody };

/** What a client → server event carries and what its successful ack adds to `{ ok: true }`. */
export interface ClientEventSpec<Payload, AckData extends object> {
  payload: Payload;
  ack: AckData;
}

/** An ack without data of its own: `{ ok: true }`. */
export type NoAckData = Record<never, never>;

/** What a gateway handler returns for an event: its ack data, or nothing when the ack carries none. */
export type HandlerAnswer<T extends object> = [keyof T] extends [never]
  ? void | Promise<void>
  : Promise<T>;
