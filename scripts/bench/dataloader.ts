// DataLoader throughput over Fashion-MNIST: batches per second of our
// DataLoader (lib/utils/data) over our FashionMNIST with transforms.ToTensor()
// (lib/vision), batch 64, shuffled, against Python's torch.utils.data.DataLoader
// (num_workers=0) over torchvision.datasets.FashionMNIST with ToTensor()
// (scripts/bench/fmnist_loader.py), rounds interleaved. Both read the same
// uncompressed IDX files (made once under .bench/ from the Debian package's .gz
// files, since torchvision reads only uncompressed ones), and both shuffle with
// torch.Generator().manual_seed(0): the first batch (labels and pixel sum) is
// checked to be Python's before anything is timed.
//
// A second row compares with a Python tensor Dataset over the same uint8 data
// (data[i].unsqueeze(0).div(255), int(targets[i]): the same values without PIL),
// whose per-sample work is the same few tensor ops ours does.
//
// Ours iterates with `for await` (the form that lets finalizers run between
// batches); each batch is a float [64, 1, 28, 28] tensor and an int64 [64] one.
//
//   npx tsx scripts/bench/dataloader.ts [--quick] [--rounds 11] [--batches 200]
//   npx tsx scripts/bench/dataloader.ts --only ours --batches N    (just our loop, for valgrind)
//
// run-all.ts calls runDataLoader().
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as torch from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { DataLoader, Dataset } from '../../lib/utils/data/index.js';
import { FashionMNIST } from '../../lib/vision/datasets/index.js';
import { transforms } from '../../lib/vision/index.js';
import {
  argNumber, argValue, type BenchOptions, benchDir, type Figure, figure, formatTable, interleave, isMain, lineWorker,
  notBelowPython, pythonBin, repoRoot, standardOptions,
} from './common.js';

export const BATCH = 64;
const SYSTEM_DATA = '/usr/share/datasets/fashion-mnist';
const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** A folder with FashionMNIST/raw/<the four IDX files, uncompressed> (torchvision's layout), made once. */
export function prepareData(log: (line: string) => void): string {
  const root = join(repoRoot, '.bench', 'fashion-mnist');
  const raw = join(root, 'FashionMNIST', 'raw');
  const src = process.env.TORCH_NODE_FASHION_MNIST ?? SYSTEM_DATA;
  for (const f of FILES) {
    const dst = join(raw, f);
    if (existsSync(dst)) continue;
    mkdirSync(raw, { recursive: true });
    const plain = join(src, f);
    const gz = `${plain}.gz`;
    if (existsSync(plain)) writeFileSync(dst, readFileSync(plain));
    else if (existsSync(gz)) writeFileSync(dst, gunzipSync(readFileSync(gz)));
    else throw new Error(`no ${f}[.gz] in ${src} (Debian: apt-get install dataset-fashion-mnist, or set TORCH_NODE_FASHION_MNIST)`);
    log(`dataloader: wrote ${dst}`);
  }
  return root;
}

/** Our loader, as a user writes it. */
export function makeLoader(root: string): DataLoader<[Tensor, number], [Tensor, Tensor]> {
  const ds = new FashionMNIST(root, { train: true, transform: transforms.ToTensor() });
  return new DataLoader(ds, { batch_size: BATCH, shuffle: true, generator: new torch.Generator().manual_seed(0) });
}

/**
 * The same images as a plain tensor Dataset, sample for sample what
 * fmnist_loader.py's TensorFashionMNIST does (data[i].unsqueeze(0).div(255),
 * int(targets[i])), with the intermediate views disposed as a JS user would.
 */
class TensorFashionMNIST extends Dataset<[Tensor, number]> {
  constructor(private readonly data: Tensor, private readonly targets: Tensor) {
    super();
  }
  get length(): number {
    return this.data.size(0);
  }
  get(index: number): [Tensor, number] {
    const row = this.data.get(index);
    const chw = row.unsqueeze(0);
    const x = chw.div(255);
    row.dispose();
    chw.dispose();
    const t = this.targets.get(index);
    const y = t.item();
    t.dispose();
    return [x, y];
  }
}

export function makeTensorLoader(root: string): DataLoader<[Tensor, number], [Tensor, Tensor]> {
  const ds = new FashionMNIST(root, { train: true });
  return new DataLoader(new TensorFashionMNIST(ds.data, ds.targets), {
    batch_size: BATCH, shuffle: true, generator: new torch.Generator().manual_seed(0),
  });
}

/** Batches per second over n batches (a new pass per call, continuing into further epochs as needed). */
async function batchesPerSecond(loader: DataLoader<[Tensor, number], [Tensor, Tensor]>, n: number): Promise<number> {
  let done = 0;
  const t = process.hrtime.bigint();
  while (done < n) {
    for await (const batch of loader) {
      void batch;
      if (++done === n) break;
    }
  }
  return n / (Number(process.hrtime.bigint() - t) / 1e9);
}

interface LoaderCheck {
  labels: number[];
  pixelSum: number;
  shape: number[];
  dtype: string;
}

function oursCheck(loader: DataLoader<[Tensor, number], [Tensor, Tensor]>): LoaderCheck {
  for (const [x, y] of loader) {
    return {
      labels: Array.from(y.toTypedArray() as BigInt64Array, Number),
      pixelSum: torch.scope(() => x.double().sum().item()),
      shape: x.shape,
      dtype: x.dtype,
    };
  }
  throw new Error('the loader gave no batch');
}

export interface DataLoaderBenchOptions extends BenchOptions {
  rounds?: number;
  batches?: number;
}

export async function runDataLoader(o: DataLoaderBenchOptions): Promise<Figure[]> {
  const rounds = o.rounds ?? (o.quick ? 3 : 11);
  const batches = o.batches ?? (o.quick ? 100 : 200);
  const root = prepareData(o.log);
  const loader = makeLoader(root);
  const tensorLoader = makeTensorLoader(root);
  const ours = oursCheck(loader);
  const oursTensor = oursCheck(tensorLoader);
  if (JSON.stringify(oursTensor) !== JSON.stringify(ours)) {
    throw new Error(`our two loaders disagree on the first batch: ${JSON.stringify(ours)} vs ${JSON.stringify(oursTensor)}`);
  }
  const py = lineWorker(pythonBin, [join(benchDir, 'fmnist_loader.py'), root]);
  try {
    const theirs = JSON.parse(await py.read()) as Record<'batches' | 'tensor-batches', LoaderCheck>;
    for (const [name, c] of Object.entries(theirs)) {
      const same = JSON.stringify(c.labels) === JSON.stringify(ours.labels) && c.dtype === ours.dtype &&
        JSON.stringify(c.shape) === JSON.stringify(ours.shape) && Math.abs(c.pixelSum - ours.pixelSum) < 1e-6 * c.pixelSum;
      if (!same) throw new Error(`the loaders disagree on the first batch: Python (${name}) ${JSON.stringify(c)}, ours ${JSON.stringify(ours)}`);
    }
    await batchesPerSecond(loader, 20);
    await batchesPerSecond(tensorLoader, 20);
    await py.ask('batches 20');
    await py.ask('tensor-batches 20');
    const res = await interleave(rounds, {
      ours: () => batchesPerSecond(loader, batches),
      python: async () => Number(await py.ask(`batches ${batches}`)),
      oursTensor: () => batchesPerSecond(tensorLoader, batches),
      pythonTensor: async () => Number(await py.ask(`tensor-batches ${batches}`)),
    }, o.log, 'dataloader');
    const what = `fastest of ${rounds} interleaved rounds of ${batches} batches; first batch checked equal`;
    return [
      figure({
        benchmark: 'DataLoader Fashion-MNIST (batch 64, shuffle)', unit: 'batches/s', better: 'higher',
        targets: [notBelowPython(0.05, 'derived')],
        note: `FashionMNIST + ToTensor + DataLoader(batch_size 64, shuffle, seeded), ours with for await vs torchvision's (PIL images) with num_workers=0; ${what}`,
      }, { ours: res.ours, python: res.python }, 'fastest'),
      figure({
        benchmark: 'DataLoader, tensor Dataset both sides', unit: 'batches/s', better: 'higher',
        targets: [notBelowPython(0.05, 'derived')],
        note: `a plain tensor Dataset on both sides, the same ops per sample (data[i].unsqueeze(0).div(255), int(targets[i]); no PIL): ` +
          `the binding's own overhead; ${what}`,
      }, { ours: res.oursTensor, python: res.pythonTensor }, 'fastest'),
    ];
  } finally {
    py.close();
  }
}

if (isMain(import.meta.url)) {
  if (argValue('--only', '') === 'ours') {
    const loader = makeLoader(prepareData(() => {}));
    await batchesPerSecond(loader, argNumber('--batches', 300));
  } else {
    const o = standardOptions();
    const figures = await runDataLoader({
      ...o,
      rounds: process.argv.includes('--rounds') ? argNumber('--rounds', 11) : undefined,
      batches: process.argv.includes('--batches') ? argNumber('--batches', 200) : undefined,
    });
    console.log(formatTable(figures));
    for (const f of figures) console.log(`${f.benchmark}: ${f.note}`);
  }
}
