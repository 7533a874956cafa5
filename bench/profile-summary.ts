import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of V8's `.cpuprofile` format this summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string };
  }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A server's busy time during measured phases, per acked message, by where it was spent. */
export interface ProfileBreakdown {
  messages: number;
  /** µs of busy (non-idle) time per message, by package or runtime bucket. */
  microsecondsPerMessage: Map<string, number>;
}

/** Node names profiles `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`; the newest wins. */
export function findProfileOf(
  directory: string,
  pid: number,
): string | undefined {
  const name = readdirSync(directory)
    .filter((file) => file.includes(`.${pid}.`) && file.endsWith('.cpuprofile'))
    .sort()
    .at(-1);
  return name === undefined ? undefined : join(directory, name);
}

const IDLE = '(idle)';

/** npm packages grouped by the layer of the stack they make up; other packages stand alone. */
const LAYERS: [RegExp, string][] = [
  [/^@prisma\//, 'Prisma (@prisma/*)'],
  [/^(@nestjs\/|rxjs$|reflect-metadata$)/, 'NestJS (@nestjs/*, rxjs)'],
  [
    /^(class-validator|class-transformer|validator|libphonenumber-js)$/,
    'DTO validation (class-validator…)',
  ],
  [/^(pg|pg-.+|postgres-.+)$/, 'pg driver (pg, pg-protocol, pg-pool…)'],
  [
    /^(socket\.io.*|engine\.io.*|ws|@socket\.io\/.+|debug|ms)$/,
    'Socket.IO (socket.io, engine.io, ws)',
  ],
];

function layerOf(npmPackage: string): string {
  return (
    LAYERS.find(([pattern]) => pattern.test(npmPackage))?.[1] ?? npmPackage
  );
}

/** Where a sampled frame's time goes: its layer or npm package, Node itself, the app's code, or V8. */
function bucketOf(url: string, functionName: string): string {
  if (url.includes('/.cache/chat-bench/')) return 'baseline code';
  const npmPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (npmPackage) return layerOf(npmPackage);
  if (url.startsWith('node:')) return 'node (streams, events, timers…)';
  if (url.includes('/dist/')) return 'app code (dist/)';
  if (functionName === 'writev') return 'socket writes (writev)';
  if (functionName === 'runMicrotasks') return 'promise jobs (runMicrotasks)';
  if (functionName.startsWith('RegExp:')) return 'regular expressions';
  return functionName || '(native)';
}

/** Adds the busy time of each sample taken inside a window to its bucket. */
function accumulate(
  profile: CpuProfile,
  window: { from: number; to: number },
  totals: Map<string, number>,
): void {
  const bucketById = new Map(
    profile.nodes.map((node) => [
      node.id,
      bucketOf(node.callFrame.url, node.callFrame.functionName),
    ]),
  );
  let sampledAt = profile.startTime;
  for (let index = 0; index < profile.samples.length; index++) {
    sampledAt += profile.timeDeltas[index];
    // A sample stands for the time until the next one.
    const duration = profile.timeDeltas[index + 1] ?? 0;
    if (sampledAt < window.from || sampledAt > window.to) continue;
    const bucket = bucketById.get(profile.samples[index]) ?? '(unknown)';
    if (bucket === IDLE) continue;
    totals.set(bucket, (totals.get(bucket) ?? 0) + duration);
  }
}

export interface ProfiledRun {
  profilePath: string;
  window: { from: number; to: number };
  messages: number;
}

/** One breakdown over several runs of the same server, counting only their measured phases. */
export function breakdownOf(runs: ProfiledRun[]): ProfileBreakdown {
  const totals = new Map<string, number>();
  for (const run of runs) {
    const profile = JSON.parse(
      readFileSync(run.profilePath, 'utf8'),
    ) as CpuProfile;
    accumulate(profile, run.window, totals);
  }
  const messages = runs.reduce((total, run) => total + run.messages, 0);
  const perMessage = new Map<string, number>();
  for (const [bucket, microseconds] of totals) {
    perMessage.set(bucket, microseconds / messages);
  }
  return { messages, microsecondsPerMessage: perMessage };
}

const total = (breakdown: ProfileBreakdown) =>
  [...breakdown.microsecondsPerMessage.values()].reduce(
    (sum, value) => sum + value,
    0,
  );

interface BreakdownRow {
  bucket: string;
  baseline: number;
  app: number;
}

/** Buckets below this many µs per message on both servers are summed into one row. */
const SMALL_BUCKET_MICROSECONDS = 3;

function breakdownRows(
  baseline: ProfileBreakdown,
  app: ProfileBreakdown,
): BreakdownRow[] {
  const buckets = new Set([
    ...baseline.microsecondsPerMessage.keys(),
    ...app.microsecondsPerMessage.keys(),
  ]);
  const rows = [...buckets].map((bucket) => ({
    bucket,
    baseline: baseline.microsecondsPerMessage.get(bucket) ?? 0,
    app: app.microsecondsPerMessage.get(bucket) ?? 0,
  }));
  const isSmall = (row: BreakdownRow) =>
    Math.max(row.baseline, row.app) < SMALL_BUCKET_MICROSECONDS;
  const rest = rows.filter(isSmall).reduce(
    (sum, row) => ({
      bucket: 'everything else',
      baseline: sum.baseline + row.baseline,
      app: sum.app + row.app,
    }),
    { bucket: 'everything else', baseline: 0, app: 0 },
  );
  const large = rows
    .filter((row) => !isSmall(row))
    .sort((a, b) => b.app - b.baseline - (a.app - a.baseline));
  return [...large, rest];
}

/** Where the app spends its time beyond the baseline's, largest difference first. */
export function formatBreakdowns(
  baseline: ProfileBreakdown,
  app: ProfileBreakdown,
): string {
  const rows = [
    {
      bucket: 'total',
      baseline: total(baseline),
      app: total(app),
    },
    ...breakdownRows(baseline, app),
  ];
  const title = 'µs of busy main thread per message';
  const width = Math.max(title.length, ...rows.map((row) => row.bucket.length));
  const line = (cells: string[]) =>
    `  ${cells[0].padEnd(width)}  ${cells
      .slice(1)
      .map((cell) => cell.padStart(9))
      .join('  ')}`;
  const micros = (value: number) => value.toFixed(1);
  return [
    line([title, 'baseline', 'app', 'app more']),
    ...rows.map((row) =>
      line([
        row.bucket,
        micros(row.baseline),
        micros(row.app),
        micros(row.app - row.baseline),
      ]),
    ),
  ].join('\n');
}
