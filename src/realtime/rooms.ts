/** Room names live here only: services address sessions and admins, never rooms. */
export const ADMINS_ROOM = 'admins';
export const sessionRoom = (sessionId: string): string =>
  `session:${sessionId}`;
