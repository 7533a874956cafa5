import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataFolderPermissionError } from './prisma.errors';

const FOLDER_MODE = 0o700;
const FILE_MODE = 0o600;

/** Creates DATA_DIR, if missing, readable by this user only. */
export function createPrivateFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: FOLDER_MODE });
}

/**
 * What the app keeps in DATA_DIR: the embedded database's files (PostgreSQL's data folder layout), its lock
 * and the generated JWT secret. Anything else someone put there is theirs, and left as it is.
 */
const APP_ENTRY =
  /^(PG_VERSION|base|global|pg_[a-z_]+(\.conf)?|postgresql(\.auto)?\.conf|postmaster\.(pid|opts)|jwt-secret|app\.lock(\..+)?)$/;

/**
 * Makes DATA_DIR and what the app keeps in it private to this user (0700 folders, 0600 files), fixing looser
 * modes left by earlier versions or by hand. The embedded database writes its initial files world-readable
 * and world-writable, and the folder holds every conversation and the accounts: no other local user may read
 * them. Symbolic links are left alone, so nothing outside the folder is changed.
 */
export function makeFolderPrivate(dataDir: string): void {
  restrict(dataDir, FOLDER_MODE);
  for (const entry of readdirSync(dataDir, { withFileTypes: true }))
    if (APP_ENTRY.test(entry.name)) restrictTree(join(dataDir, entry.name));
}

function restrictTree(path: string): void {
  const stat = lstatSafely(path);
  if (stat?.isFile()) restrict(path, FILE_MODE);
  if (!stat?.isDirectory()) return;
  restrict(path, FOLDER_MODE);
  for (const name of readdirSync(path)) restrictTree(join(path, name));
}

function lstatSafely(path: string) {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function restrict(path: string, mode: number): void {
  try {
    if ((lstatSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'EPERM' || code === 'EACCES')
      throw new DataFolderPermissionError(
        `Cannot make ${path} private (${code}): the data folder and everything in it must belong to the user the server runs as (uid ${process.getuid?.()}); fix it with chown -R, or set DATA_DIR to a folder of this user`,
      );
    throw error;
  }
}
