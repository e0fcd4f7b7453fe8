// The benchmark suite in one command: every benchmark in scripts/bench, each
// interleaving its rounds of ours with Python's (and the C++ loop's where there
// is one), then one table (each side's fastest or median round), ratios and targets, and a JSON copy.
//
//   npm run bench [-- --quick] [-- --json bench-results.json] [-- --only train-step,cnn-step]
//   npx tsx scripts/bench/run-all.ts [--quick] [--json PATH] [--only NAMES]
//
// --quick: a minute or two (fewer rounds and iterations); the full run takes
// about 5-10 minutes. Names for --only: op-overhead, train-step, cnn-step,
// inference, dataloader, checkpoint. docs/bench.md says how to read the table.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { argValue, type BenchOptions, type Figure, fmt, formatTable, ratio, repoRoot, standardOptions, targetMet } from './common.js';
import { runCheckpoint } from './load-500mb.js';
import { runCnnStep } from './cnn-step.js';
import { runDataLoader } from './dataloader.js';
import { runInference } from './inference.js';
import { runOpOverhead } from './op-overhead.js';
import { runTrainStep } from './train-step.js';

const BENCHMARKS: Record<string, (o: BenchOptions) => Promise<Figure[]>> = {
  'op-overhead': runOpOverhead,
  'train-step': runTrainStep,
  'cnn-step': runCnnStep,
  inference: runInference,
  dataloader: runDataLoader,
  checkpoint: async (o) => (await runCheckpoint(o)).figures,
};

function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const o = standardOptions();
  const jsonOut = resolve(argValue('--json', 'bench-results.json'));
  const only = argValue('--only', '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of only) if (!(n in BENCHMARKS)) throw new Error(`--only: unknown benchmark '${n}', expected some of ${Object.keys(BENCHMARKS).join(', ')}`);
  const names = only.length ? only : Object.keys(BENCHMARKS);
  const started = new Date();
  const load0 = loadavg();
  const t0 = performance.now();
  const figures: Figure[] = [];
  const errors: { benchmark: string; error: string }[] = [];
  const seconds: Record<string, number> = {};
  for (const name of names) {
    o.log(`== ${name}${o.quick ? ' (quick)' : ''}`);
    const t = performance.now();
    try {
      figures.push(...(await BENCHMARKS[name]!(o)));
    } catch (e) {
      // One broken benchmark must not hide the others' figures: it is reported and the run goes on.
      const msg = e instanceof Error ? e.message : String(e);
      errors.push({ benchmark: name, error: msg });
      o.log(`${name} FAILED: ${msg}`);
    }
    seconds[name] = (performance.now() - t) / 1000;
  }
  const wall = (performance.now() - t0) / 1000;
  const load1 = loadavg();

  console.log('');
  console.log(`torch-node benchmarks${o.quick ? ' (--quick)' : ''}: ours vs Python PyTorch (and C++ libtorch where given), interleaved rounds`);
  console.log(formatTable(figures));
  console.log('');
  console.log('ours/Py and ours/C++ are ratios of the values shown: below 1 is better for times and sizes, above 1 for rates.');
  console.log('Targets marked * are our reading of "against Python\'s" (not behind Python beyond noise); the others are the issue\'s.');
  console.log('"of rounds": each side\'s median round, or its fastest (microsecond loops, where a neighbour\'s burst only slows a round down).');
  for (const f of figures) {
    const medians = f.estimator === 'median' ? '' : `; medians: ours ${fmt(f.medians.ours)}` +
      (f.medians.python === null ? '' : `, Python ${fmt(f.medians.python)} (${(f.medians.ours / f.medians.python).toFixed(2)}x)`) +
      (f.medians.cpp === null ? '' : `, C++ ${fmt(f.medians.cpp)} (${(f.medians.ours / f.medians.cpp).toFixed(2)}x)`);
    if (f.note || medians) console.log(`- ${f.benchmark}: ${f.note ?? ''}${medians}`);
  }
  for (const e of errors) console.log(`! ${e.benchmark} failed: ${e.error}`);
  const missed = figures.flatMap((f) => f.targets.filter((t) => targetMet(f, t) === false).map((t) => `${f.benchmark} (${t.text})`));
  console.log('');
  console.log(`targets met: ${figures.reduce((n, f) => n + f.targets.filter((t) => targetMet(f, t) === true).length, 0)} of ${figures.reduce((n, f) => n + f.targets.length, 0)}` +
    (missed.length ? `; missed: ${missed.join(', ')}` : ''));
  console.log(`wall time ${wall.toFixed(0)} s; load average ${load0[0]!.toFixed(2)} at the start, ${load1[0]!.toFixed(2)} at the end (${cpus().length} CPUs)`);

  const machine = {
    cpus: cpus().length, cpu: cpus()[0]?.model ?? null, memory_gib: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version, loadavg_start: load0, loadavg_end: load1,
  };
  const json = {
    started: started.toISOString(), quick: o.quick, commit: gitCommit(), machine, wall_seconds: wall, seconds_per_benchmark: seconds,
    figures: figures.map((f) => ({
      ...f,
      ours_vs_python: ratio(f, 'python'),
      ours_vs_cpp: ratio(f, 'c++'),
      targets: f.targets.map((t) => ({ ...t, met: targetMet(f, t) })),
    })),
    errors,
  };
  writeFileSync(jsonOut, JSON.stringify(json, null, 2) + '\n');
  console.log(`JSON: ${jsonOut}`);
  if (errors.length) process.exitCode = 1;
}

await main();
