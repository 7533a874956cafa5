import { type ChildProcess, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { transformFileSync } from '@swc/core';
import type { RawEnvironment } from '../../src/config/settings';

const ROOT = join(__dirname, '..', '..');
const BUILDS = join(ROOT, 'node_modules', '.cache', 'chat-test-builds');
/** Opening the embedded database takes seconds, and far longer on a loaded two-core machine. */
const START_BOUND_MS = 120_000;

/** One of the app's entry points (the server, a CLI) as its own process, built the way `nest build` lays it out. */
export interface EntryProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Stops the process if it still runs, and removes its build. */
  dispose(): Promise<void>;
}

/**
 * The app as its own process, started the way `node dist/main` starts it, for what a test process cannot
 * do to itself: receive SIGTERM and exit. Built with the same compiler Jest uses, in about a second.
 */
export interface AppProcess extends EntryProcess {
  readonly url: string;
}

export async function startAppProcess(
  env: RawEnvironment,
): Promise<AppProcess> {
  const port = await freePort();
  const app = spawnEntry('main.js', { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(url, app.exited, () => app.output());
  } catch (error) {
    await app.dispose();
    throw error;
  }
  return { ...app, url };
}

/**
 * Starts an entry point of the build (`main.js`, `auth/create-admin.cli.js`…) with these settings and
 * arguments, without waiting for anything: the caller awaits `exited`, or its own sign of life.
 */
export function spawnEntry(
  entry: string,
  env: RawEnvironment,
  args: string[] = [],
): EntryProcess {
  const buildDir = buildApp();
  let output = '';
  const child = spawn(
    process.execPath,
    [join(buildDir, 'app', entry), ...args],
    {
      cwd: buildDir,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'log', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    output: () => output,
    exited,
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(buildDir, { recursive: true, force: true });
    },
  };
}

/** Compiles src/ into a fresh folder laid out like dist/ (so prisma/migrations is found the same way). */
function buildApp(): string {
  mkdirSync(BUILDS, { recursive: true });
  const buildDir = mkdtempSync(join(BUILDS, 'app-'));
  const sourceDir = join(ROOT, 'src');
  for (const file of typeScriptFiles(sourceDir)) {
    const target = join(
      buildDir,
      'app',
      relative(sourceDir, file).replace(/\.ts$/, '.js'),
    );
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, compile(file));
  }
  mkdirSync(join(buildDir, 'prisma'));
  symlinkSync(
    join(ROOT, 'prisma', 'migrations'),
    join(buildDir, 'prisma', 'migrations'),
  );
  return buildDir;
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')
      ? [path]
      : [];
  });
}

function compile(file: string): string {
  return transformFileSync(file, {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  }).code;
}

/** A port nothing listens on at the moment it is returned. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(
  url: string,
  exited: Promise<number | null>,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + START_BOUND_MS;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline && !gone) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The app process did not start:\n${output()}`);
}
