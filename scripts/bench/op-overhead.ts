// Per-op overhead, side by side with Python PyTorch on the same libtorch.
// Rounds alternate between this process and one persistent Python process;
// each figure is the median over rounds of the mean time per call.
// Usage: npx tsx scripts/bench/op-overhead.ts [--rounds 7] [--iters 20000] [--json out.json]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
import * as torch from '../../lib/index.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const rounds = Number(arg('--rounds', '7'));
const iters = Number(arg('--iters', '20000'));
const jsonOut = arg('--json', '');
const pythonBin = process.env.TORCH_NODE_PYTHON ?? '/usr/bin/python3';

torch.manual_seed(0);
const a = torch.randn(4, 4);
const b = torch.randn(4, 4);
const x = torch.randn([4, 4], { requires_grad: true });
const s = torch.tensor(1.5);

const cases: Record<string, { js: () => void; py: string }> = {
  'add 4x4': { js: () => a.add(b).dispose(), py: 'a.add(b)' },
  'matmul 4x4': { js: () => a.matmul(b).dispose(), py: 'a.matmul(b)' },
  'view': { js: () => a.view(16).dispose(), py: 'a.view(16)' },
  'indexing a[1]': { js: () => a.get(1).dispose(), py: 'a[1]' },
  'item()': { js: () => void s.item(), py: 's.item()' },
  'backward (x*b).sum()': {
    js: () => torch.scope(() => { x.mul(b).sum().backward(); x.grad = null; }),
    py: 'x.mul(b).sum().backward(); x.grad = None',
  },
};

const PY = String.raw`
import sys, time, json, torch
torch.manual_seed(0)
a = torch.randn(4, 4); b = torch.randn(4, 4)
x = torch.randn(4, 4, requires_grad=True); s = torch.tensor(1.5)
for line in sys.stdin:
    code, n = json.loads(line)
    f = eval('lambda: ' + code) if ';' not in code and '=' not in code else None
    if f is None:
        ns = {'x': x, 'b': b}
        src = 'def f():\n' + ''.join('    ' + p.strip() + '\n' for p in code.split(';'))
        exec(src, globals(), ns); f = ns['f']
    for _ in range(min(n, 2000)): f()
    t = time.perf_counter()
    for _ in range(n): f()
    print(json.dumps((time.perf_counter() - t) / n * 1e6), flush=True)
`;

async function main(): Promise<void> {
  const py = spawn(pythonBin, ['-c', PY], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  const pyRun = async (code: string): Promise<number> => {
    py.stdin.write(JSON.stringify([code, iters]) + '\n');
    const r = await lines.next();
    if (r.done) throw new Error('python exited');
    return JSON.parse(r.value) as number;
  };
  const jsRun = (fn: () => void): number => {
    for (let i = 0; i < Math.min(iters, 2000); i++) fn();
    const t = performance.now();
    for (let i = 0; i < iters; i++) fn();
    return ((performance.now() - t) * 1000) / iters;
  };
  const results: Record<string, { ours: number[]; python: number[] }> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, c] of Object.entries(cases)) {
      const res = (results[name] ??= { ours: [], python: [] });
      res.ours.push(jsRun(c.js));
      res.python.push(await pyRun(c.py));
    }
  }
  py.stdin.end();
  const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)]!;
  const table = Object.entries(results).map(([name, r]) => {
    const ours = median(r.ours), python = median(r.python);
    return { op: name, ours_us: +ours.toFixed(2), python_us: +python.toFixed(2), speedup_vs_python: +(python / ours).toFixed(2) };
  });
  console.log(`per-op overhead, median of ${rounds} rounds x ${iters} calls (us per call; speedup > 1 means faster than Python)`);
  console.table(table);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ rounds, iters, table }, null, 2));
}
void main();
