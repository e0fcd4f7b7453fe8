// Per-op overhead, side by side with Python PyTorch on the same libtorch:
// small add, small matmul, a view, indexing, item(), a backward through a tiny
// graph. Rounds alternate between this process and one persistent Python
// process; each figure is the median over rounds of the mean time per call.
//
//   npx tsx scripts/bench/op-overhead.ts [--quick] [--rounds 7] [--iters 20000] [--json out.json]
//
// run-all.ts calls runOpOverhead(); run alone, this prints its own table.
import { writeFileSync } from 'node:fs';
import * as torch from '../../lib/index.js';
import {
  argNumber, argValue, type BenchOptions, type Figure, figure, formatTable, interleave, isMain, lineWorker,
  notSlowerThanPython, pythonBin, standardOptions,
} from './common.js';

interface Case {
  name: string;
  js: () => void;
  py: string;
  /** Iterations relative to the base count (the backward is ~50x dearer than an add). */
  scale: number;
}

function makeCases(): Case[] {
  torch.manual_seed(0);
  const a = torch.randn(4, 4);
  const b = torch.randn(4, 4);
  const x = torch.randn([4, 4], { requires_grad: true });
  const s = torch.tensor(1.5);
  return [
    { name: 'add 4x4', js: () => a.add(b).dispose(), py: 'a.add(b)', scale: 1 },
    { name: 'matmul 4x4', js: () => a.matmul(b).dispose(), py: 'a.matmul(b)', scale: 1 },
    { name: 'view', js: () => a.view(16).dispose(), py: 'a.view(16)', scale: 1 },
    { name: 'indexing a[1]', js: () => a.get(1).dispose(), py: 'a[1]', scale: 1 },
    { name: 'item()', js: () => void s.item(), py: 's.item()', scale: 1 },
    {
      name: 'backward (x*b).sum()',
      js: () => torch.scope(() => { x.mul(b).sum().backward(); x.grad = null; }),
      py: 'x.mul(b).sum().backward(); x.grad = None',
      scale: 0.1,
    },
  ];
}

// The same tensors from the same seed; each request is [code, n] and the answer the mean us per call.
const PY = String.raw`
import sys, time, json, torch
torch.manual_seed(0)
a = torch.randn(4, 4); b = torch.randn(4, 4)
x = torch.randn(4, 4, requires_grad=True); s = torch.tensor(1.5)
fns = {}
for line in sys.stdin:
    code, n = json.loads(line)
    f = fns.get(code)
    if f is None:
        src = 'def f():\n' + ''.join('    ' + p.strip() + '\n' for p in code.split(';'))
        ns = {}
        exec(src, globals(), ns); f = fns[code] = ns['f']
    for _ in range(min(n, 2000)): f()
    t = time.perf_counter()
    for _ in range(n): f()
    print(json.dumps((time.perf_counter() - t) / n * 1e6), flush=True)
`;

export interface OpOverheadOptions extends BenchOptions {
  rounds?: number;
  iters?: number;
}

export async function runOpOverhead(o: OpOverheadOptions): Promise<Figure[]> {
  const rounds = o.rounds ?? (o.quick ? 3 : 7);
  const iters = o.iters ?? (o.quick ? 5000 : 20000);
  const cases = makeCases();
  const py = lineWorker(pythonBin, ['-c', PY]);
  const jsRun = (fn: () => void, n: number): number => {
    for (let i = 0; i < Math.min(n, 2000); i++) fn();
    const t = performance.now();
    for (let i = 0; i < n; i++) fn();
    return ((performance.now() - t) * 1000) / n;
  };
  const figures: Figure[] = [];
  try {
    // One interleave per op, so that each op's rounds alternate with Python's.
    const all = new Map<string, { ours: number[]; python: number[] }>();
    for (let r = 0; r < rounds; r++) {
      for (const c of cases) {
        const n = Math.max(1, Math.round(iters * c.scale));
        const res = await interleave(1, {
          ours: () => jsRun(c.js, n),
          python: async () => Number(await py.ask(JSON.stringify([c.py, n]))),
        });
        const acc = all.get(c.name) ?? { ours: [], python: [] };
        acc.ours.push(...res.ours);
        acc.python.push(...res.python);
        all.set(c.name, acc);
      }
      o.log(`op overhead round ${r + 1}/${rounds}`);
    }
    for (const c of cases) {
      figures.push(figure({
        benchmark: `per-op: ${c.name}`, unit: 'us/call', better: 'lower',
        targets: [notSlowerThanPython(0.05, 'derived')],
        note: `median of ${rounds} rounds of ${Math.max(1, Math.round(iters * c.scale))} calls`,
      }, all.get(c.name)!));
    }
  } finally {
    py.close();
  }
  return figures;
}

if (isMain(import.meta.url)) {
  const o = standardOptions();
  const figures = await runOpOverhead({
    ...o,
    rounds: process.argv.includes('--rounds') ? argNumber('--rounds', 7) : undefined,
    iters: process.argv.includes('--iters') ? argNumber('--iters', 20000) : undefined,
  });
  console.log('per-op overhead (us per call; ours/Py < 1 means faster than Python)');
  console.log(formatTable(figures));
  const jsonOut = argValue('--json', '');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ figures }, null, 2) + '\n');
}
