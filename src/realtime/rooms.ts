/** Room names live here only: services address sessions and admins, never rooms. */
export const ADMINS_ROOM = 'admins';
export const sessionRoom = (sessionId: string): string =>
  `session:${sessionId}`;
/**
 * The seed's widgets of a session, a subset of its session room: they get `message` in the seed's shape,
 * and the rest of the room gets it without them.
 */
export const seedSessionRoom = (sessionId: string): string =>
  `seed-session:${sessionId}`;
