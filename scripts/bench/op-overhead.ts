// Per-op overhead, side by side with Python PyTorch on the same libtorch:
// small add, small matmul, a view, indexing, item(), a backward through a tiny
// graph. Rounds alternate between this process and one persistent Python
// process; each figure is the median over rounds of the mean time per call.
// Each side times the op in its own loop, as a user's code runs it (and as
// Python's timeit does): the loop is written out per case, never a shared
// runner calling closures, whose call site V8 cannot inline once it has seen
// several (that added ~1 us per call in this process only).
//
//   npx tsx scripts/bench/op-overhead.ts [--quick] [--rounds 21] [--iters 5000] [--json out.json]
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
  /** Runs the op n times. */
  js: (n: number) => void;
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
    { name: 'add 4x4', js: (n) => { for (let i = 0; i < n; i++) a.add(b).dispose(); }, py: 'a.add(b)', scale: 1 },
    { name: 'matmul 4x4', js: (n) => { for (let i = 0; i < n; i++) a.matmul(b).dispose(); }, py: 'a.matmul(b)', scale: 1 },
    { name: 'view', js: (n) => { for (let i = 0; i < n; i++) a.view(16).dispose(); }, py: 'a.view(16)', scale: 1 },
    { name: 'indexing a[1]', js: (n) => { for (let i = 0; i < n; i++) a.get(1).dispose(); }, py: 'a[1]', scale: 1 },
    { name: 'item()', js: (n) => { for (let i = 0; i < n; i++) s.item(); }, py: 's.item()', scale: 1 },
    {
      name: 'backward (x*b).sum()',
      js: (n) => {
        for (let i = 0; i < n; i++) torch.scope(() => { x.mul(b).sum().backward(); x.grad = null; });
      },
      py: 'x.mul(b).sum().backward(); x.grad = None',
      scale: 0.1,
    },
  ];
}

// The same tensors from the same seed; each request is [code, n] and the answer the
// mean us per call. The code runs inside the timed loop itself, as timeit runs it.
const PY = String.raw`
import sys, time, json, torch
torch.manual_seed(0)
a = torch.randn(4, 4); b = torch.randn(4, 4)
x = torch.randn(4, 4, requires_grad=True); s = torch.tensor(1.5)
loops = {}
for line in sys.stdin:
    code, n = json.loads(line)
    f = loops.get(code)
    if f is None:
        body = ''.join('        ' + p.strip() + '\n' for p in code.split(';'))
        src = 'def f(n):\n    global a, b, x, s\n    for _ in range(n):\n' + body
        ns = {}
        exec(src, globals(), ns); f = loops[code] = ns['f']
    f(min(n, 2000))
    t = time.perf_counter()
    f(n)
    print(json.dumps((time.perf_counter() - t) / n * 1e6), flush=True)
`;

export interface OpOverheadOptions extends BenchOptions {
  rounds?: number;
  iters?: number;
}

export async function runOpOverhead(o: OpOverheadOptions): Promise<Figure[]> {
  // Many short rounds: on a shared machine some of them run undisturbed, and each
  // side's fastest round is its figure (the medians are in the JSON and the note).
  const rounds = o.rounds ?? (o.quick ? 7 : 21);
  const iters = o.iters ?? (o.quick ? 2000 : 5000);
  const cases = makeCases();
  const py = lineWorker(pythonBin, ['-c', PY]);
  const jsRun = (loop: (n: number) => void, n: number): number => {
    loop(Math.min(n, 2000));
    const t = performance.now();
    loop(n);
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
        note: `fastest of ${rounds} interleaved rounds of ${Math.max(1, Math.round(iters * c.scale))} calls`,
      }, all.get(c.name)!, 'fastest'));
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
    rounds: process.argv.includes('--rounds') ? argNumber('--rounds', 21) : undefined,
    iters: process.argv.includes('--iters') ? argNumber('--iters', 5000) : undefined,
  });
  console.log('per-op overhead (us per call; ours/Py < 1 means faster than Python)');
  console.log(formatTable(figures));
  const jsonOut = argValue('--json', '');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ figures }, null, 2) + '\n');
}
