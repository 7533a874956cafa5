import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const KEPT_OUTPUT_CHARS = 16_000;

export interface ServerLaunch {
  label: string;
  script: string;
  env: Record<string, string>;
  cwd: string;
  nodeArgs?: string[];
}

/** A server under test, running as its own Node process. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** The tail of its stdout and stderr, for error reports. */
  output(): string;
  /** CPU time it has used so far (all threads, user + system), in µs; undefined without /proc. */
  cpuTimeMicroseconds(): number | undefined;
  /** Asks it to shut down (SIGTERM, so a CPU profile gets written), killing it if it will not. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === 'string') {
    throw new Error('could not find a free port');
  }
  return address.port;
}

function collectOutput(child: ChildProcess): () => string {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEPT_OUTPUT_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

/** Linux reports CPU time in clock ticks of USER_HZ, which is 100 on every architecture Node runs on. */
const MICROSECONDS_PER_CLOCK_TICK = 10_000;

/** utime + stime from /proc/<pid>/stat (fields 14 and 15, counted after the parenthesised name). */
function cpuTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks)
      ? ticks * MICROSECONDS_PER_CLOCK_TICK
      : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function isHealthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`)).ok;
  } catch {
    return false;
  }
}

async function waitUntilReady(
  url: string,
  child: ChildProcess,
  launch: ServerLaunch,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `${launch.label} exited with code ${child.exitCode} before it was ready:\n${output()}`,
      );
    }
    if (await isHealthy(url)) return;
    await sleep(100);
  }
  throw new Error(
    `${launch.label} was not ready within ${READY_TIMEOUT_MS} ms:\n${output()}`,
  );
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

export async function startServer(
  launch: ServerLaunch,
  port: number,
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [...(launch.nodeArgs ?? []), launch.script],
    {
      cwd: launch.cwd,
      env: { ...launch.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output = collectOutput(child);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, child, launch, output);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    output,
    cpuTimeMicroseconds: () => cpuTimeOf(pid),
    stop: () => stopChild(child),
  };
}
