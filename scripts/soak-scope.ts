// Long-run memory check of the scope function: the seed article's kind of step
// (forward, backward, in-place update) repeated, printing RSS and live tensors.
// Usage: node --expose-gc --import tsx scripts/soak-scope.ts [steps=100000] [every=1000] [--json]
// Run with --min-semi-space-size=16 --max-semi-space-size=16 to keep V8's
// young-generation sizing out of the RSS figures.
import * as torch from '../lib/index.js';

const steps = Number(process.argv[2] ?? 100_000);
const every = Number(process.argv[3] ?? 1_000);
const json = process.argv.includes('--json');
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

torch.manual_seed(0);
const w = torch.randn([10, 10], { requires_grad: true });
const x = torch.randn(8, 10);
const step = (): void =>
  torch.scope(() => {
    const loss = x.matmul(w).relu().pow(2).mean();
    loss.backward();
    torch.no_grad(() => w.sub_(w.grad!.mul(1e-4)));
    w.grad = null;
  });

const samples: { step: number; rssMB: number; heapUsedMB: number; liveTensors: number }[] = [];
const t0 = performance.now();
for (let i = 0; i <= steps; i++) {
  if (i % every === 0) {
    gc();
    const m = process.memoryUsage();
    const s = { step: i, rssMB: m.rss / 2 ** 20, heapUsedMB: m.heapUsed / 2 ** 20, liveTensors: torch.memory().liveTensors };
    samples.push(s);
    if (!json) console.log(`step ${i}\trss ${s.rssMB.toFixed(1)} MB\theap ${s.heapUsedMB.toFixed(1)} MB\tlive tensors ${s.liveTensors}`);
  }
  if (i < steps) step();
}
const elapsed = (performance.now() - t0) / 1000;
// Least-squares slope of RSS over the second half (after warm-up), per 1,000 steps.
const tail = samples.slice(Math.floor(samples.length / 2));
const mx = tail.reduce((a, s) => a + s.step, 0) / tail.length;
const my = tail.reduce((a, s) => a + s.rssMB, 0) / tail.length;
const slope = tail.reduce((a, s) => a + (s.step - mx) * (s.rssMB - my), 0) / Math.max(1e-9, tail.reduce((a, s) => a + (s.step - mx) ** 2, 0));
const summary = { steps, seconds: elapsed, usPerStep: (elapsed * 1e6) / steps, rssSlopeMBPer1000: slope * 1000, samples };
if (json) console.log(JSON.stringify(summary));
else console.log(`${steps} steps in ${elapsed.toFixed(1)} s (${summary.usPerStep.toFixed(0)} us/step); RSS slope over the second half: ${(slope * 1000).toFixed(4)} MB per 1,000 steps`);
