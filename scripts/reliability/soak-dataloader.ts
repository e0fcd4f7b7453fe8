// Long-run memory check of a DataLoader training loop over Fashion-MNIST (Debian's
// dataset-fashion-mnist files, found as scripts/transfer-demo.ts finds them),
// written the plain way: `for await` over the loader, no torch.scope and no
// dispose() anywhere. The loader frees each batch when the loop moves on; the
// step's temporaries (outputs, loss, graph, the per-image transforms' outputs)
// are left to the garbage collector, which runs because `for await` yields to the
// event loop. Prints RSS and live tensors every `every` steps, then the RSS slope.
//   node --expose-gc --import tsx scripts/reliability/soak-dataloader.ts [--epochs 20] [--limit N] [--batch 64] [--every 1000] [--root DIR] [--json]
// --limit N trains on the first N images only (for short runs).
import * as torch from '../../lib/index.js';
import { nn, optim } from '../../lib/index.js';
import { DataLoader, FashionMNIST, Subset } from '../../lib/utils/data/index.js';
import { Compose, Normalize, ToTensor } from '../../lib/vision/transforms.js';
import { formatSample, formatSummary, type Sample, sample, summarize } from './samples.js';

interface Options {
  epochs: number;
  limit: number | null;
  batch: number;
  every: number;
  root: string | null;
  json: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { epochs: 20, limit: null, batch: 64, every: 1000, root: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${a} takes a positive integer`);
      return v;
    };
    if (a === '--epochs') o.epochs = num();
    else if (a === '--limit') o.limit = num();
    else if (a === '--batch') o.batch = num();
    else if (a === '--every') o.every = num();
    else if (a === '--root') o.root = argv[++i] ?? null;
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown argument ${a}; usage: soak-dataloader.ts [--epochs N] [--limit N] [--batch N] [--every N] [--root DIR] [--json]`);
  }
  return o;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  torch.manual_seed(0);
  const full = new FashionMNIST(o.root, { train: true, transform: Compose([ToTensor(), Normalize([FashionMNIST.mean], [FashionMNIST.std])]) });
  const dataset = o.limit === null ? full : new Subset(full, Array.from({ length: Math.min(o.limit, full.length) }, (_, i) => i));
  const loader = new DataLoader(dataset, { batch_size: o.batch, shuffle: true });
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });

  const samples: Sample[] = [];
  const log = (line: string): void => {
    if (!o.json) console.log(line);
  };
  log(`Fashion-MNIST: ${dataset.length} training images, batch ${o.batch}, ${loader.length} steps per epoch, ${o.epochs} epochs`);
  const t0 = performance.now();
  let step = 0;
  let loss = NaN;
  samples.push(await sample(0));
  log(formatSample(samples[0]!));
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    let correct = 0;
    let seen = 0;
    for await (const [x, y] of loader) {
      optimizer.zero_grad();
      const out = model.call(x);
      const l = nn.functional.cross_entropy(out, y);
      l.backward();
      optimizer.step();
      loss = l.item();
      correct += out.argmax(1).eq(y).sum().item();
      seen += y.size(0);
      step++;
      if (step % o.every === 0) {
        const s = await sample(step);
        samples.push(s);
        log(`${formatSample(s)}  epoch ${epoch}  loss ${loss.toFixed(4)}`);
      }
    }
    log(`epoch ${epoch}: train accuracy ${((100 * correct) / seen).toFixed(2)}%, last loss ${loss.toFixed(4)}`);
  }
  if (step % o.every !== 0) samples.push(await sample(step));
  const r = summarize(samples, step, (performance.now() - t0) / 1000);
  // Used below, so that the final sample counts the model and optimizer as live (unused, V8 may collect them before it).
  const held = model.parameters().length + optimizer.param_groups.length;
  if (o.json) console.log(JSON.stringify({ ...r, epochs: o.epochs, finalLoss: loss, held }));
  else console.log(`${formatSummary(`soak-dataloader (${o.epochs} epochs, for await, no dispose)`, r)} (${held} parameters and groups held)`);
}

void main();
