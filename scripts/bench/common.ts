// What every benchmark in scripts/bench shares: the shape of a figure (one row
// of the run-all table), targets, medians, argument parsing, interleaved rounds
// and a persistent helper process (Python, or the C++ loop) that answers one
// line per request, so that its rounds alternate with ours inside one run.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(benchDir, '..', '..');
export const pythonBin = process.env.TORCH_NODE_PYTHON ?? '/usr/bin/python3';

/**
 * A target on the ratio ours / reference of a figure's values (in the figure's
 * unit): `max` for a time or a size (lower is better), `min` for a rate.
 */
export interface Target {
  vs: 'python' | 'c++';
  max?: number;
  min?: number;
  /** How a reader says it, e.g. ">= 1.3x Python's speed". */
  text: string;
  /** Where the target comes from: the issue's words, or our reading of "against Python's". */
  source: 'issue' | 'derived';
}

/** One row of the table: a measured quantity, ours and the references, and the targets on it. */
export interface Figure {
  benchmark: string;
  /** The unit, e.g. "us/step", "batches/s", "MiB". */
  unit: string;
  better: 'lower' | 'higher';
  ours: number;
  python: number | null;
  cpp: number | null;
  /**
   * How the rounds became the values: their median, or the fastest round (the
   * best for microsecond loops on a shared machine, where a neighbour's burst only
   * ever slows a round down; Python's timeit reports its minimum for that reason).
   */
  estimator: Estimator;
  /** The medians of the rounds, whatever the estimator (equal to the values for 'median'). */
  medians: { ours: number; python: number | null; cpp: number | null };
  /** Every round's value, for whoever wants the spread. */
  samples: { ours: number[]; python?: number[]; cpp?: number[] };
  targets: Target[];
  /** What was measured, in a few words (shown under the table). */
  note?: string;
}

/** Options every benchmark takes. */
export interface BenchOptions {
  /** A short run (a minute or two for the whole suite): fewer rounds, fewer iterations. */
  quick: boolean;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

export function median(v: readonly number[]): number {
  if (v.length === 0) throw new Error('median of no samples');
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The ratio ours / reference, or null where the reference was not measured. */
export function ratio(f: Figure, vs: 'python' | 'c++'): number | null {
  const ref = vs === 'python' ? f.python : f.cpp;
  return ref === null || ref === 0 ? null : f.ours / ref;
}

/** Whether a target is met (null: its reference was not measured). */
export function targetMet(f: Figure, t: Target): boolean | null {
  const r = ratio(f, t.vs);
  if (r === null) return null;
  if (t.max !== undefined && r > t.max) return false;
  if (t.min !== undefined && r < t.min) return false;
  return true;
}

/** A time within `slack` (e.g. 0.03) of Python's, or better. */
export function notSlowerThanPython(slack: number, source: Target['source'], what = 'Python'): Target {
  return { vs: 'python', max: 1 + slack, text: slack > 0 ? `<= ${(1 + slack).toFixed(2)}x ${what}` : `<= ${what}`, source };
}

/** A rate within `slack` of Python's, or better. */
export function notBelowPython(slack: number, source: Target['source']): Target {
  return { vs: 'python', min: 1 - slack, text: `>= ${(1 - slack).toFixed(2)}x Python`, source };
}

export type Estimator = 'median' | 'fastest';

/** The fastest round: the lowest time, or the highest rate. */
export function fastest(v: readonly number[], better: Figure['better']): number {
  if (v.length === 0) throw new Error('fastest of no samples');
  return better === 'lower' ? Math.min(...v) : Math.max(...v);
}

/** Figure from per-round samples: each side's median, or each side's fastest round. */
export function figure(
  base: Omit<Figure, 'ours' | 'python' | 'cpp' | 'samples' | 'estimator' | 'medians'>,
  samples: { ours: number[]; python?: number[]; cpp?: number[] },
  estimator: Estimator = 'median',
): Figure {
  const pick = (v: readonly number[]): number => (estimator === 'median' ? median(v) : fastest(v, base.better));
  return {
    ...base,
    estimator,
    ours: pick(samples.ours),
    python: samples.python?.length ? pick(samples.python) : null,
    cpp: samples.cpp?.length ? pick(samples.cpp) : null,
    medians: {
      ours: median(samples.ours),
      python: samples.python?.length ? median(samples.python) : null,
      cpp: samples.cpp?.length ? median(samples.cpp) : null,
    },
    samples,
  };
}

// ---- command line -------------------------------------------------------------------------

export function argValue(name: string, dflt: string, argv = process.argv): string {
  const i = argv.indexOf(name);
  if (i < 0) return dflt;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

export function argNumber(name: string, dflt: number, argv = process.argv): number {
  const v = Number(argValue(name, String(dflt), argv));
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}: expected a positive number, got ${argValue(name, '', argv)}`);
  return v;
}

/** Whether this module is the script node was started with (so it runs standalone). */
export function isMain(importMetaUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(importMetaUrl) === resolve(process.argv[1]);
}

export function standardOptions(argv = process.argv): BenchOptions {
  return { quick: argv.includes('--quick'), log: (line) => process.stderr.write(line + '\n') };
}

// ---- helper processes ---------------------------------------------------------------------

/** A persistent child that answers each request line with one line (its first line is read with ready()). */
export interface LineWorker {
  ask(line: string): Promise<string>;
  /** The next line the child prints unasked (e.g. its start-up line). */
  read(): Promise<string>;
  close(): void;
}

export function lineWorker(cmd: string, args: string[], env?: NodeJS.ProcessEnv): LineWorker {
  const proc: ChildProcessWithoutNullStreams = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += String(d)));
  // A child that dies before it reads stdin must not kill us with EPIPE: the next read reports it.
  proc.stdin.on('error', () => {});
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const read = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error(`${cmd} ${args[0] ?? ''} exited before answering:\n${stderr.trim()}`);
    return r.value;
  };
  return {
    read,
    async ask(line: string): Promise<string> {
      proc.stdin.write(line + '\n');
      return read();
    },
    close: () => proc.stdin.end(),
  };
}

/**
 * Runs `rounds` rounds; in each, every runner once, in order (ours, Python, ours,
 * Python, ...), so that a slow spell on a shared machine hits all sides alike.
 */
export async function interleave<K extends string>(
  rounds: number,
  runners: Record<K, () => number | Promise<number>>,
  log?: (line: string) => void,
  label = '',
): Promise<Record<K, number[]>> {
  const keys = Object.keys(runners) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) {
    for (const k of keys) out[k].push(await runners[k]());
    log?.(`${label} round ${r + 1}/${rounds}: ${keys.map((k) => `${k} ${fmt(out[k][r]!)}`).join(', ')}`);
  }
  return out;
}

/** A number with about four significant digits. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 10) return x.toFixed(2);
  return x.toFixed(3);
}

/** The table of figures, as the run-all script prints it (one line per figure). */
export function formatTable(figures: readonly Figure[]): string {
  const rows: string[][] = [['benchmark', 'unit', 'of rounds', 'ours', 'Python', 'C++', 'ours/Py', 'ours/C++', 'target', 'met?']];
  for (const f of figures) {
    const rp = ratio(f, 'python');
    const rc = ratio(f, 'c++');
    const met = f.targets.map((t) => targetMet(f, t));
    rows.push([
      f.benchmark,
      f.unit,
      f.estimator,
      fmt(f.ours),
      f.python === null ? '-' : fmt(f.python),
      f.cpp === null ? '-' : fmt(f.cpp),
      rp === null ? '-' : `${rp.toFixed(2)}x`,
      rc === null ? '-' : `${rc.toFixed(2)}x`,
      f.targets.map((t) => t.text + (t.source === 'derived' ? '*' : '')).join('; ') || '-',
      met.length === 0 ? '-' : met.map((m) => (m === null ? 'n/a' : m ? 'yes' : 'NO')).join('; '),
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const numeric = new Set([3, 4, 5, 6, 7]);
  const line = (r: string[]): string => r.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
