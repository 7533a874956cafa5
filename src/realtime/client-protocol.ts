import type { Socket } from 'socket.io';

/** The parts of a Socket.IO handshake a client can declare things in. */
export type HandshakeDeclarations = Pick<
  Socket['handshake'],
  'auth' | 'query' | 'headers'
>;

/**
 * The wire protocol a widget socket speaks: 1 is the current contract, 'seed' the shapes the seed backend's
 * widget renders.
 */
export type ClientProtocol = 'seed' | 1;

const SEED_DECLARATIONS: readonly unknown[] = [0, '0', 'seed'];

/**
 * A client declares its protocol in `auth.protocol` or the `protocol` query parameter. A browser socket that
 * declares none is the seed's widget, written before protocol versions existed; servers and scripts (no
 * Origin) keep the current contract. Anything else declared, junk included, gets the current contract: it
 * comes from a client written after protocol versions existed.
 */
export function clientProtocolOf(
  handshake: HandshakeDeclarations,
): ClientProtocol {
  const declared = declaredProtocol(handshake);
  if (declared === undefined) return handshake.headers.origin ? 'seed' : 1;
  return SEED_DECLARATIONS.includes(declared) ? 'seed' : 1;
}

function declaredProtocol({ auth, query }: HandshakeDeclarations): unknown {
  const fromAuth: unknown =
    typeof auth === 'object' && auth !== null
      ? (auth as Record<string, unknown>).protocol
      : undefined;
  return fromAuth !== undefined ? fromAuth : query.protocol;
}
