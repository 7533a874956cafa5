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
 * Makes a folder and everything in it private to this user (0700 folders, 0600 files), fixing looser modes
 * left by earlier versions or by hand. The embedded database writes its initial files world-readable and
 * world-writable, and the folder holds every conversation and the accounts: no other local user may read it.
 * Symbolic links are left alone, so nothing outside the folder is changed.
 */
export function makeFolderPrivate(dir: string): void {
  restrict(dir, FOLDER_MODE);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makeFolderPrivate(path);
    else if (entry.isFile()) restrict(path, FILE_MODE);
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
