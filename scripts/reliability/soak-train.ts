// Long-run memory check of the seed article's training loop (scripts/article.ts):
// Linear 10->20 -> ReLU -> Linear 20->10, MSELoss, SGD lr 0.01, a batch of 100,
// each step written with torch.scope. Prints RSS and live tensors every `every`
// steps, then the RSS slope per 1,000 steps after warm-up.
//   node --expose-gc --import tsx scripts/reliability/soak-train.ts [steps=100000] [every=1000] [--json]
// (--min-semi-space-size=16 --max-semi-space-size=16 keep V8's young-generation sizing out of RSS.)
import * as torch from '../../lib/index.js';
import { nn, optim } from '../../lib/index.js';
import { formatSample, formatSummary, type Sample, sample, summarize } from './samples.js';

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 100_000);
  const every = Number(process.argv[3] ?? 1_000);
  const json = process.argv.includes('--json');
  if (!Number.isInteger(steps) || steps <= 0 || !Number.isInteger(every) || every <= 0) throw new Error('usage: soak-train.ts [steps] [every] [--json]');

  torch.manual_seed(0);
  const model = new nn.Sequential(new nn.Linear(10, 20), new nn.ReLU(), new nn.Linear(20, 10));
  const criterion = new nn.MSELoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
  const data = torch.randn(100, 10);
  const target = torch.randn(100, 10);

  const samples: Sample[] = [];
  const t0 = performance.now();
  let loss = NaN;
  for (let i = 0; i <= steps; i++) {
    if (i % every === 0) {
      const s = await sample(i);
      samples.push(s);
      if (!json) console.log(`${formatSample(s)}  loss ${loss.toFixed(6)}`);
    }
    if (i === steps) break;
    loss = torch.scope(() => {
      optimizer.zero_grad();
      const l = criterion.call(model.call(data), target);
      l.backward();
      optimizer.step();
      return l.item();
    });
  }
  const r = summarize(samples, steps, (performance.now() - t0) / 1000);
  if (json) console.log(JSON.stringify({ ...r, finalLoss: loss }));
  else console.log(formatSummary('soak-train (article loop, torch.scope)', r));
}

void main();
