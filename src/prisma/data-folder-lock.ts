import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { DataFolderInUseError, type LockHolder } from './prisma.errors';

/** Inside DATA_DIR; it exists while a process has the embedded database open. */
export const LOCK_FILE_NAME = 'app.lock';

export interface DataFolderLock {
  readonly file: string;
  /** Removes the lock file if it is still this lock's; safe to call twice. */
  release(): void;
}

/** What the process that wants the lock can tell about the one that holds it. */
export type HolderState = 'running' | 'gone' | 'unknown';

export interface ProcessProbe {
  host: string;
  pid: number;
  bootId: string | undefined;
  /** Whether a process with this PID exists (it may belong to another user). */
  exists(pid: number): boolean;
  startTime(pid: number): string | undefined;
  /** Whether this process itself took the lock with that token (and still holds it). */
  holdsToken(token: string): boolean;
}

/**
 * Decides whether a lock's holder still runs. A holder on another host cannot be checked: it counts as running
 * until someone deletes the lock file. On this host, a reboot ends every holder; a PID that is this process's
 * own, or that now belongs to a process started at another time, is a reused PID, not the holder.
 */
export function holderState(
  holder: LockHolder,
  here: ProcessProbe,
): HolderState {
  if (holder.host !== here.host) return 'unknown';
  if (holder.bootId && here.bootId && holder.bootId !== here.bootId)
    return 'gone';
  if (holder.pid === here.pid)
    return here.holdsToken(holder.token) ? 'running' : 'gone';
  if (!here.exists(holder.pid)) return 'gone';
  const startTime = here.startTime(holder.pid);
  if (holder.startTime && startTime && holder.startTime !== startTime)
    return 'gone';
  return 'running';
}

/** Tokens of the locks this process holds, so a lock file naming this PID can be told apart from a stale one. */
const heldHere = new Set<string>();

/**
 * Takes the data folder for this process, or throws DataFolderInUseError. The lock file is written in full
 * under a temporary name, then linked to its real name: creating that name fails if it exists (as O_EXCL
 * would), and a reader never sees a half-written lock. A lock left by a process that died (kill -9, power loss)
 * is recognised by its PID, start time and boot id, set aside and replaced.
 */
export function lockDataFolder(dataDir: string): DataFolderLock {
  const file = join(dataDir, LOCK_FILE_NAME);
  const probe = thisProcess();
  const holder: LockHolder = {
    pid: process.pid,
    program: basename(process.argv[1] ?? process.execPath),
    host: probe.host,
    bootId: probe.bootId,
    startTime: probe.startTime(process.pid),
    token: randomBytes(12).toString('hex'),
  };
  const content = JSON.stringify(holder);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusively(file, content)) return held(file, content, holder);
    const existing = readLock(file);
    if (existing === undefined) continue;
    const state = existing.holder
      ? holderState(existing.holder, probe)
      : 'gone';
    if (state !== 'gone')
      throw new DataFolderInUseError(
        dataDir,
        file,
        existing.holder!,
        state === 'running',
      );
    setAsideIfUnchanged(file, existing.raw);
  }
  const last = readLock(file)?.holder;
  if (!last) throw new Error(`Could not take ${file}`);
  throw new DataFolderInUseError(dataDir, file, last, true);
}

function held(file: string, content: string, holder: LockHolder) {
  heldHere.add(holder.token);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    heldHere.delete(holder.token);
    process.off('exit', release);
    if (readLock(file)?.raw === content) unlinkQuietly(file);
  };
  // process.exit() after a failed start must not leave a lock behind (a kill -9 still does: see holderState).
  process.on('exit', release);
  return { file, release };
}

function createExclusively(file: string, content: string): boolean {
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const fd = openSync(draft, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkQuietly(draft);
  }
}

function readLock(
  file: string,
): { raw: string; holder: LockHolder | undefined } | undefined {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return { raw, holder: parseHolder(raw) };
}

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockHolder>;
    if (
      Number.isInteger(value.pid) &&
      typeof value.host === 'string' &&
      typeof value.token === 'string'
    )
      return {
        pid: value.pid!,
        program: String(value.program ?? 'unknown program'),
        host: value.host,
        bootId: value.bootId,
        startTime: value.startTime,
        token: value.token,
      };
  } catch {
    // An unreadable lock was not written by this code (ours appear complete): nobody holds it.
  }
  return undefined;
}

/**
 * Moves a stale lock out of the way. Should another process have replaced it with its own meanwhile, that
 * lock is put back: only the stale content is ever removed.
 */
function setAsideIfUnchanged(file: string, staleContent: string): void {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (readLock(aside)?.raw !== staleContent) {
    try {
      linkSync(aside, file);
    } catch {
      // A third process took the folder meanwhile; the next attempt reads its lock.
    }
  }
  unlinkQuietly(aside);
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}

function thisProcess(): ProcessProbe {
  return {
    host: hostname(),
    pid: process.pid,
    bootId: readProc('/proc/sys/kernel/random/boot_id'),
    exists(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
    startTime: processStartTime,
    holdsToken: (token) => heldHere.has(token),
  };
}

/** Linux: when a process started, in clock ticks after boot (field 22 of /proc/PID/stat); elsewhere undefined. */
export function processStartTime(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
