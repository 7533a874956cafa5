import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * PostgreSQL extensions the migrations create. PostgreSQL finds them in its contrib packages; the embedded
 * database has each one loaded when it opens, or `CREATE EXTENSION` fails there.
 */
export const EMBEDDED_EXTENSIONS = { pg_trgm };
