import type { LoadPlan, LoadResult } from './load';
import {
  breakdownOf,
  formatBreakdowns,
  type ProfiledRun,
} from './profile-summary';
import { type LoadSummary, summarize } from './stats';
import { describeTarget, type Target } from './targets';

/** ARCHITECTURE.md, "The hot path has a budget". */
const MIN_THROUGHPUT_RATIO = 0.8;
const MAX_P99_RATIO = 1.25;

export interface RunOutcome {
  /** Which round the run belongs to: a number, or `limits` for the default-limits pair. */
  round: string;
  target: Target;
  plan: LoadPlan;
  result?: LoadResult;
  error?: string;
  /** The server's CPU profile, when BENCH_CPU_PROFILE is set. */
  profilePath?: string;
}

/** Everything that makes a run's numbers untrustworthy: failures, lost fan-out, a crash. */
export function problemsOf(outcome: RunOutcome): string[] {
  if (outcome.error !== undefined) return [outcome.error.split('\n')[0]];
  const { failures, fanOut } = outcome.result!;
  const problems = [...failures].map(([code, count]) => `${count}× ${code}`);
  if (fanOut.received < fanOut.expected) {
    problems.push(
      `admin got ${fanOut.received} of ${fanOut.expected} new-message`,
    );
  }
  return problems;
}

const fixed = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : '-';

/** Numbers right-aligned, the named text columns left-aligned. */
function formatTable(
  header: string[],
  rows: string[][],
  textColumns: ReadonlySet<number>,
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        textColumns.has(column)
          ? cell.padEnd(widths[column])
          : cell.padStart(widths[column]),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function summaryCells(summary: LoadSummary): string[] {
  return [
    String(summary.messages),
    fixed(summary.elapsedMs / 1000, 2),
    fixed(summary.throughput, 0),
    fixed(summary.p50Ms, 2),
    fixed(summary.p95Ms, 2),
    fixed(summary.p99Ms, 2),
    fixed(summary.maxMs, 2),
    fixed(summary.serverCpuPerMessageUs, 0),
  ];
}

const SUMMARY_HEADER = [
  'messages',
  'seconds',
  'msg/s',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'max ms',
  'CPU µs/msg',
];

function runsTable(outcomes: RunOutcome[]): string {
  const rows = outcomes.map((outcome) => {
    const cells = outcome.result
      ? summaryCells(summarize([outcome.result]))
      : SUMMARY_HEADER.map(() => '-');
    const problems = problemsOf(outcome);
    return [
      outcome.round,
      describeTarget(outcome.target),
      ...cells,
      problems.length > 0 ? problems.join('; ') : 'ok',
    ];
  });
  const header = ['round', 'server', ...SUMMARY_HEADER, 'checks'];
  return formatTable(header, rows, new Set([0, 1, header.length - 1]));
}

/** The runs of one server pooled; the app with metrics on is only ever compared in its own section. */
function pooled(
  outcomes: RunOutcome[],
  kind: Target['kind'],
  metrics = false,
): LoadSummary {
  return summarize(
    outcomes
      .filter(
        (outcome) =>
          outcome.target.kind === kind &&
          Boolean(outcome.target.metrics) === metrics &&
          outcome.result,
      )
      .map((outcome) => outcome.result!),
  );
}

function verdict(passed: boolean): string {
  return passed ? 'PASS' : 'MISS';
}

function comparison(app: LoadSummary, baseline: LoadSummary): string[] {
  const throughputRatio = app.throughput / baseline.throughput;
  const p99Ratio = app.p99Ms / baseline.p99Ms;
  const cpuRatio = app.serverCpuPerMessageUs / baseline.serverCpuPerMessageUs;
  const lines = [
    `  throughput  app/baseline = ${fixed(throughputRatio, 2)}×  (target ≥ ${MIN_THROUGHPUT_RATIO}×)  ${verdict(throughputRatio >= MIN_THROUGHPUT_RATIO)}`,
    `  p99 latency app/baseline = ${fixed(p99Ratio, 2)}×  (target ≤ ${MAX_P99_RATIO}×)  ${verdict(p99Ratio <= MAX_P99_RATIO)}`,
  ];
  if (Number.isFinite(cpuRatio)) {
    lines.push(
      `  server CPU per message app/baseline = ${fixed(cpuRatio, 2)}×  (no target; the least noisy number here)`,
    );
  }
  return lines;
}

interface RoundPair {
  baseline: LoadSummary;
  app: LoadSummary;
}

function roundPairs(outcomes: RunOutcome[]): RoundPair[] {
  const rounds = [...new Set(outcomes.map((outcome) => outcome.round))];
  return rounds.flatMap((round) => {
    const resultOf = (kind: Target['kind']) =>
      outcomes.find(
        (outcome) =>
          outcome.round === round &&
          outcome.target.kind === kind &&
          !outcome.target.metrics,
      )?.result;
    const baseline = resultOf('baseline');
    const app = resultOf('app');
    return baseline && app
      ? [{ baseline: summarize([baseline]), app: summarize([app]) }]
      : [];
  });
}

/** Each round's ratios on their own: how far machine noise moves the pooled ones. */
function roundByRound(outcomes: RunOutcome[]): string[] {
  const pairs = roundPairs(outcomes);
  if (pairs.length < 2) return [];
  const list = (ratio: (pair: RoundPair) => number) =>
    pairs.map((pair) => `${fixed(ratio(pair), 2)}×`).join(', ');
  return [
    `  round by round: throughput ${list((pair) => pair.app.throughput / pair.baseline.throughput)}; p99 ${list((pair) => pair.app.p99Ms / pair.baseline.p99Ms)}`,
  ];
}

function pooledSection(title: string, outcomes: RunOutcome[]): string[] {
  const baseline = pooled(outcomes, 'baseline');
  const app = pooled(outcomes, 'app');
  if (baseline.messages === 0 || app.messages === 0) return [];
  const rows = [
    ['baseline', ...summaryCells(baseline)],
    ['app', ...summaryCells(app)],
  ];
  return [
    '',
    title,
    formatTable(['server', ...SUMMARY_HEADER], rows, new Set([0])),
    ...comparison(app, baseline),
    ...roundByRound(outcomes),
  ];
}

/** What metrics cost: the app with them on against the same app with them off, rounds pooled. */
function metricsSection(outcomes: RunOutcome[]): string[] {
  const off = pooled(outcomes, 'app');
  const on = pooled(outcomes, 'app', true);
  if (off.messages === 0 || on.messages === 0) return [];
  const ratio = (of: (summary: LoadSummary) => number) =>
    `${fixed(of(on) / of(off), 2)}×`;
  return [
    '',
    'Metrics on (scraped every second) vs off, rounds pooled:',
    formatTable(
      ['server', ...SUMMARY_HEADER],
      [
        ['app', ...summaryCells(off)],
        ['app (metrics on)', ...summaryCells(on)],
      ],
      new Set([0]),
    ),
    `  on/off: throughput ${ratio((summary) => summary.throughput)}, p99 ${ratio((summary) => summary.p99Ms)}, server CPU per message ${ratio((summary) => summary.serverCpuPerMessageUs)}`,
  ];
}

function planLine(plan: LoadPlan): string {
  return `${plan.sockets} widget sockets × (${plan.warmupMessagesPerSocket} warm-up + ${plan.measuredMessagesPerSocket} measured) messages`;
}

function profiledRuns(
  outcomes: RunOutcome[],
  kind: Target['kind'],
): ProfiledRun[] {
  return outcomes
    .filter(
      (outcome) => outcome.target.kind === kind && !outcome.target.metrics,
    )
    .flatMap(({ profilePath, result }) =>
      profilePath && result
        ? [
            {
              profilePath,
              window: result.measuredWindowUs,
              messages: result.acked,
            },
          ]
        : [],
    );
}

function profileSection(outcomes: RunOutcome[]): string[] {
  const baseline = profiledRuns(outcomes, 'baseline');
  const app = profiledRuns(outcomes, 'app');
  if (baseline.length === 0 || app.length === 0) return [];
  return [
    '',
    'Where the servers spend their main thread during the measured phases (CPU profiles, raised limits):',
    formatBreakdowns(breakdownOf(baseline), breakdownOf(app)),
  ];
}

export function formatReport(outcomes: RunOutcome[]): string {
  const main = outcomes.filter((outcome) => outcome.round !== 'limits');
  const limits = outcomes.filter((outcome) => outcome.round === 'limits');
  const lines = [
    '',
    'Every run: a fresh database, 1 admin socket, one message in flight per widget socket (closed loop).',
    runsTable(outcomes),
    ...pooledSection(
      `All ${new Set(main.map((outcome) => outcome.round)).size} rounds pooled, raised rate limits (${planLine(main[0].plan)}):`,
      main,
    ),
    ...metricsSection(main),
  ];
  lines.push(...profileSection(main));
  if (limits.length > 0) {
    lines.push(
      ...pooledSection(
        `App under its default rate limits vs the baseline, with a load that fits them (${planLine(limits[0].plan)}):`,
        limits,
      ),
    );
  }
  const failed = outcomes.filter((outcome) => outcome.error !== undefined);
  for (const outcome of failed) {
    lines.push(
      '',
      `Round ${outcome.round}, ${describeTarget(outcome.target)} failed:`,
      outcome.error!,
    );
  }
  return lines.join('\n');
}
