import type { LoadResult } from './load';

export interface LoadSummary {
  messages: number;
  elapsedMs: number;
  /** Acked messages per second. */
  throughput: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server CPU time (all threads) per acked message, in µs; NaN when it could not be read. */
  serverCpuPerMessageUs: number;
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function concatenate(parts: Float64Array[]): Float64Array {
  const all = new Float64Array(
    parts.reduce((total, part) => total + part.length, 0),
  );
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

function serverCpuPerMessage(results: LoadResult[], messages: number): number {
  let microseconds = 0;
  for (const { serverCpuMicroseconds } of results) {
    if (serverCpuMicroseconds === undefined) return Number.NaN;
    microseconds += serverCpuMicroseconds;
  }
  return messages > 0 ? microseconds / messages : Number.NaN;
}

/** One summary of several runs: their messages over their time, percentiles over all their latencies. */
export function summarize(results: LoadResult[]): LoadSummary {
  const latencies = concatenate(results.map((result) => result.latenciesMs));
  latencies.sort();
  const messages = results.reduce((total, result) => total + result.acked, 0);
  const elapsedMs = results.reduce(
    (total, result) => total + result.elapsedMs,
    0,
  );
  return {
    messages,
    elapsedMs,
    throughput: elapsedMs > 0 ? (messages * 1000) / elapsedMs : 0,
    p50Ms: percentile(latencies, 0.5),
    p95Ms: percentile(latencies, 0.95),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.length > 0 ? latencies[latencies.length - 1] : Number.NaN,
    serverCpuPerMessageUs: serverCpuPerMessage(results, messages),
  };
}
