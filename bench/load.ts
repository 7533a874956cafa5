import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { Ack } from '../src/realtime/ack';
import { AdminServerEvent } from '../src/realtime/admin.events';
import { WidgetEvent } from '../src/realtime/widget.events';

const CONNECT_TIMEOUT_MS = 10_000;
const FAN_OUT_DRAIN_MS = 5_000;
const ACK_TIMEOUT = 'ACK_TIMEOUT';

export interface LoadPlan {
  /** Widget sockets, each with its own session and one message in flight at a time. */
  sockets: number;
  warmupMessagesPerSocket: number;
  measuredMessagesPerSocket: number;
  ackTimeoutMs: number;
}

export interface LoadResult {
  /** Measured messages acked with `ok: true`. */
  acked: number;
  /** From the first measured send to the last measured ack. */
  elapsedMs: number;
  /** The measured phase on the machine's monotonic clock, in µs (the clock of V8's CPU profiles). */
  measuredWindowUs: { from: number; to: number };
  /** CPU time the server used during the measured phase, in µs, when it can be read. */
  serverCpuMicroseconds: number | undefined;
  /** Ack latency of every measured message acked `ok`, in milliseconds. */
  latenciesMs: Float64Array;
  /** Refused or unanswered messages by error code, warm-up included. */
  failures: Map<string, number>;
  /** `new-message` events the admin socket should have received, and did. */
  fanOut: { expected: number; received: number };
}

interface WidgetSession {
  socket: Socket;
  sessionId: string;
}

/** Counts acks and failures of one phase; keeps latencies only when measuring. */
class AckRecorder {
  readonly failures = new Map<string, number>();
  acked = 0;

  constructor(readonly latenciesMs: Float64Array | null) {}

  record(latencyMs: number, failure: string | null): void {
    if (failure !== null) {
      this.failures.set(failure, (this.failures.get(failure) ?? 0) + 1);
      return;
    }
    if (this.latenciesMs) this.latenciesMs[this.acked] = latencyMs;
    this.acked++;
  }
}

function connect(url: string, auth?: { token: string }): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.disconnect();
      reject(new Error(`connecting to ${url} timed out`));
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error: Error) => {
      clearTimeout(timer);
      socket.disconnect();
      reject(new Error(`connecting to ${url} failed: ${error.message}`));
    });
  });
}

async function openSession(
  baseUrl: string,
  ackTimeoutMs: number,
): Promise<WidgetSession> {
  const socket = await connect(`${baseUrl}/`);
  const reply = (await socket
    .timeout(ackTimeoutMs)
    .emitWithAck(WidgetEvent.InitSession, {})) as Ack<{ sessionId: string }>;
  if (!reply.ok) {
    socket.disconnect();
    throw new Error(`init_session refused: ${reply.error.code}`);
  }
  return { socket, sessionId: reply.sessionId };
}

/** Sends one user message and waits for its ack; answers the error code, or null when acked ok. */
async function sendMessage(
  { socket, sessionId }: WidgetSession,
  clientMessageId: string,
  ackTimeoutMs: number,
): Promise<string | null> {
  try {
    const reply = (await socket
      .timeout(ackTimeoutMs)
      .emitWithAck(WidgetEvent.UserMessage, {
        sessionId,
        content: `Hello, I have a question about my order (${clientMessageId})`,
        clientMessageId,
      })) as Ack;
    return reply.ok ? null : reply.error.code;
  } catch {
    return ACK_TIMEOUT;
  }
}

/** Closed loop: the next message leaves when the previous one is acked. */
async function sendMessages(
  session: WidgetSession,
  phase: string,
  count: number,
  recorder: AckRecorder,
  ackTimeoutMs: number,
): Promise<void> {
  for (let index = 0; index < count; index++) {
    const startedAt = performance.now();
    const failure = await sendMessage(
      session,
      `${phase}-${index}`,
      ackTimeoutMs,
    );
    recorder.record(performance.now() - startedAt, failure);
  }
}

const monotonicMicroseconds = () => Number(process.hrtime.bigint() / 1000n);

function countEvents(socket: Socket, event: string): () => number {
  let count = 0;
  socket.on(event, () => count++);
  return () => count;
}

async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function mergeFailures(...recorders: AckRecorder[]): Map<string, number> {
  const merged = new Map<string, number>();
  for (const recorder of recorders) {
    for (const [code, count] of recorder.failures) {
      merged.set(code, (merged.get(code) ?? 0) + count);
    }
  }
  return merged;
}

/** Every session sends `count` messages, one at a time each; answers when the phase ran, in µs. */
async function runPhase(
  sessions: WidgetSession[],
  phase: string,
  count: number,
  recorder: AckRecorder,
  ackTimeoutMs: number,
): Promise<{ from: number; to: number }> {
  const from = monotonicMicroseconds();
  await Promise.all(
    sessions.map((session) =>
      sendMessages(session, phase, count, recorder, ackTimeoutMs),
    ),
  );
  return { from, to: monotonicMicroseconds() };
}

/**
 * One admin socket (so every message fans out to an admin) and `plan.sockets` widget sockets, each in
 * its own session; a warm-up phase, then the measured phase.
 */
export async function runLoad(
  baseUrl: string,
  adminToken: string | undefined,
  plan: LoadPlan,
  serverCpuTime: () => number | undefined,
): Promise<LoadResult> {
  const admin = await connect(
    `${baseUrl}/admin`,
    adminToken ? { token: adminToken } : undefined,
  );
  const sessions: WidgetSession[] = [];
  try {
    const newMessages = countEvents(admin, AdminServerEvent.NewMessage);
    for (let index = 0; index < plan.sockets; index++) {
      sessions.push(await openSession(baseUrl, plan.ackTimeoutMs));
    }
    const warmup = new AckRecorder(null);
    await runPhase(
      sessions,
      'warmup',
      plan.warmupMessagesPerSocket,
      warmup,
      plan.ackTimeoutMs,
    );
    const measured = new AckRecorder(
      new Float64Array(plan.sockets * plan.measuredMessagesPerSocket),
    );
    const cpuBefore = serverCpuTime();
    const window = await runPhase(
      sessions,
      'measured',
      plan.measuredMessagesPerSocket,
      measured,
      plan.ackTimeoutMs,
    );
    const cpuAfter = serverCpuTime();
    const expected = warmup.acked + measured.acked;
    await waitFor(() => newMessages() >= expected, FAN_OUT_DRAIN_MS);
    return {
      acked: measured.acked,
      elapsedMs: (window.to - window.from) / 1000,
      measuredWindowUs: window,
      serverCpuMicroseconds:
        cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : cpuAfter - cpuBefore,
      latenciesMs: measured.latenciesMs!.subarray(0, measured.acked),
      failures: mergeFailures(warmup, measured),
      fanOut: { expected, received: newMessages() },
    };
  } finally {
    for (const { socket } of sessions) socket.disconnect();
    admin.disconnect();
  }
}
