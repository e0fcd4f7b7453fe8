// Instruction counts with valgrind --tool=callgrind: reproducible on a busy
// machine, where wall time is not. A program runs twice, for n1 and n2
// iterations; the difference of the totals divided by n2 - n1 is the work of
// one iteration, with start-up, imports and JIT warm-up cancelled out. The same
// difference per function (self cost) says where that work goes. For Node, run the
// script once natively first (so tsx's transpile cache is warm in both runs) and
// use iteration counts far enough apart that JIT and GC variation (tens of millions
// of instructions between runs) is small per iteration.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './common.js';

export interface Count {
  label: string;
  /** Instructions per iteration. */
  perIteration: number;
  /** Self instructions per iteration of the functions that cost the most, largest first. */
  top: { fn: string; perIteration: number }[];
  files: [string, string];
}

/** Self cost per function: callgrind_annotate's lines "1,234 (5.6%)  file:function [object]". */
function annotate(out: string): { total: number; fns: Map<string, number> } {
  const text = execFileSync('callgrind_annotate', ['--threshold=100', out], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const m = /([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS/.exec(text) ?? /([\d,]+)\s+PROGRAM TOTALS/.exec(text);
  if (!m) throw new Error(`no PROGRAM TOTALS in callgrind_annotate output for ${out}`);
  const fns = new Map<string, number>();
  const section = text.split(/file:function/)[1] ?? '';
  for (const line of section.split('\n')) {
    const f = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.+?)\s*$/.exec(line);
    if (f) fns.set(f[2]!, (fns.get(f[2]!) ?? 0) + Number(f[1]!.replace(/,/g, '')));
  }
  return { total: Number(m[1]!.replace(/,/g, '')), fns };
}

/**
 * Runs cmd (with "{n}" replaced by the iteration count, and stdin(n) on its
 * standard input) under callgrind for n1 and n2 iterations.
 */
export function countInstructions(
  label: string, cmd: string[], n1: number, n2: number, stdin?: (n: number) => string, log: (line: string) => void = () => {},
): Count {
  const dir = join(repoRoot, '.bench');
  mkdirSync(dir, { recursive: true });
  const runs = [n1, n2].map((n) => {
    const out = join(dir, `callgrind.${label}.${n}`);
    const args = ['--tool=callgrind', `--callgrind-out-file=${out}`, ...cmd.map((c) => c.replace('{n}', String(n)))];
    log(`valgrind ${label}, ${n} iterations ...`);
    // LD_BIND_NOW: resolve every dynamic symbol at load time, the same in both runs; with lazy
    // binding the resolver's work differed by hundreds of millions of instructions between runs.
    execFileSync('valgrind', args, {
      input: stdin ? stdin(n) : '', stdio: ['pipe', 'ignore', 'pipe'], maxBuffer: 1 << 26, env: { ...process.env, LD_BIND_NOW: '1' },
    });
    return { out, ...annotate(out) };
  });
  const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
  const d = n2 - n1;
  const names = new Set([...a.fns.keys(), ...b.fns.keys()]);
  const top = [...names]
    .map((fn) => ({ fn, perIteration: ((b.fns.get(fn) ?? 0) - (a.fns.get(fn) ?? 0)) / d }))
    .sort((x, y) => y.perIteration - x.perIteration)
    .slice(0, 25);
  return { label, perIteration: (b.total - a.total) / d, top, files: [a.out, b.out] };
}
