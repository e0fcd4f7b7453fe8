// Transfer learning on real data, end to end: the seed article's three
// methods (parameter, feature and structure transfer) on Fashion-MNIST,
// measured against training from scratch.
//
//   npx tsx scripts/transfer-demo.ts            # the full comparison (a few minutes on 2 cores)
//   npx tsx scripts/transfer-demo.ts --quick    # the same, smaller (under 3 minutes)
//   npx tsx scripts/transfer-demo.ts --help
//
// Source task: a small CNN (conv, BatchNorm, ReLU, max-pooling, twice; a
// linear head) trained on some Fashion-MNIST classes, saved with torch.save
// (out/source.pt, which Python's torch.load reads). Target task: other classes,
// with only k labelled training images per class, evaluated on all their test
// images. For each k and seed, side by side:
//   scratch    a generic MLP trained on the k-shot set: nothing from the source;
//   structure  the source's architecture (and training recipe), fresh weights;
//   parameter  the source's weights loaded (a fresh head), everything fine-tuned,
//              the backbone with a 10x smaller learning rate (param groups);
//   feature    the source's extractor frozen; its features computed once under
//              no_grad; only a linear head trained, on the cached features.
// Results: a table on stdout, out/results.json, and out/transfer.svg (accuracy
// against k, and against training time).
//
// scripts/transfer_source.py trains the same source model in PyTorch; pass its
// output with --source-checkpoint to fine-tune a Python-trained checkpoint here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../lib/index.js';
import { nn, optim } from '../lib/index.js';
import type { Tensor } from '../lib/tensor.js';
import { DataLoader, TensorDataset } from '../lib/utils/data/index.js';
import { FashionMNIST } from '../lib/vision/datasets/index.js';

const F = nn.functional;

// ---- options ------------------------------------------------------------------------------

export const METHODS = ['scratch', 'structure', 'parameter', 'feature'] as const;
export type Method = (typeof METHODS)[number];

export interface DemoOptions {
  /** Smaller: two seeds, 6,000 source images, half the epochs (the whole demo in under 3 minutes on 2 cores). */
  quick?: boolean;
  /** Labelled training images per target class (default 10, 50, 500). */
  k?: number[];
  /** Epochs for every target method (default: chosen per k so that each run takes enough steps). */
  epochs?: number | null;
  /** Epochs of source training (default 1). */
  sourceEpochs?: number;
  /** Source training images (default 20,000; --quick 6,000), drawn from the source classes. */
  sourceSamples?: number;
  /** Fashion-MNIST classes of the source task (default: every class not in the target). */
  sourceClasses?: number[] | null;
  /** Fashion-MNIST classes of the target task (default 0 T-shirt/top, 6 Shirt). */
  targetClasses?: number[];
  /** Seeds per (method, k) (default 3; --quick 2). */
  seeds?: number;
  /** The first seed (default 0). */
  seed?: number;
  device?: string;
  /** Start from this .pt (a state_dict of SourceCNN, e.g. from scripts/transfer_source.py) instead of training a source model. */
  sourceCheckpoint?: string | null;
  /** Folder for source.pt, results.json and transfer.svg (default ./out). */
  out?: string;
  /** Use at most this many target test images (default: all of them). */
  testSamples?: number | null;
  /** Use at most this many source test images to report the source accuracy (default: all; --quick 2,000). */
  sourceTestSamples?: number | null;
  /** Methods to run (default all four). */
  methods?: Method[];
  /** Folder with the Fashion-MNIST files (default /usr/share/datasets/fashion-mnist). */
  dataRoot?: string | null;
  /** Progress bar on stderr (default: when stderr is a TTY). */
  progress?: boolean;
  /** Where the narrative goes (default console.log); the table is printed by the CLI. */
  log?: (line: string) => void;
  /** Write the results JSON and the plot (default true). */
  write?: boolean;
}

export interface RunResult {
  method: Method;
  k: number;
  seed: number;
  accuracy: number;
  /** Training wall time in seconds (for feature transfer: computing the training features once, plus training the head). */
  trainSeconds: number;
  epochs: number;
  steps: number;
  trainableParams: number;
  /** Accuracy after about 1/8, 1/4, 1/2 and all of the epochs, with the training time so far. */
  curve: CurvePoint[];
}

export interface SummaryRow {
  method: Method;
  k: number;
  accuracyMean: number;
  accuracyStd: number;
  trainSecondsMean: number;
  epochs: number;
  seeds: number;
  /** The mean curve over the seeds. */
  curve: CurvePoint[];
  /**
   * Training time (mean over seeds, from the curve) until this method first matched the
   * final accuracy of the best method without the source's weights (scratch, structure),
   * less half a point; null if it never did.
   */
  secondsToBaseline: number | null;
}

export interface DemoResults {
  options: Required<Omit<DemoOptions, 'log' | 'progress' | 'sourceCheckpoint' | 'testSamples' | 'sourceTestSamples' | 'dataRoot' | 'epochs' | 'sourceClasses' | 'write'>> & {
    sourceCheckpoint: string | null; testSamples: number | null; epochs: number | null; sourceClasses: number[];
  };
  optimizer: string;
  classNames: string[];
  source: {
    classes: number[];
    fromCheckpoint: string | null;
    checkpoint: string;
    trainImages: number;
    epochs: number;
    trainSeconds: number;
    testImages: number;
    accuracy: number;
  };
  target: { classes: number[]; testImages: number };
  runs: RunResult[];
  summary: SummaryRow[];
  checks: {
    /** What load_state_dict(strict=false) reported when the source weights went into the target model. */
    parameterLoad: { loaded: string[]; missing_keys: string[]; unexpected_keys: string[] };
    /** Largest change of any frozen extractor tensor during feature transfer (0 when frozen). */
    frozenMaxChange: number;
    /** Largest change of the backbone during parameter transfer (> 0: it was fine-tuned). */
    fineTunedMaxChange: number;
  };
  findings: string[];
  wallSeconds: number;
  files: { checkpoint: string; results: string | null; plot: string | null };
}

// ---- models -------------------------------------------------------------------------------

/**
 * The source architecture: two conv blocks (conv 3x3, BatchNorm, ReLU, max-pool 2)
 * and a linear head. state_dict keys: features.{0,1,4,5}.*, classifier.*, the same
 * as SourceCNN in scripts/transfer_source.py.
 */
export class SourceCNN extends nn.Module {
  static readonly widths: [number, number] = [16, 32];
  features: nn.Sequential;
  classifier: nn.Linear;

  constructor(num_classes: number, widths: [number, number] = SourceCNN.widths) {
    super();
    const [c1, c2] = widths;
    this.features = new nn.Sequential(
      new nn.Conv2d(1, c1, 3, { padding: 1 }), new nn.BatchNorm2d(c1), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(c1, c2, 3, { padding: 1 }), new nn.BatchNorm2d(c2), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(),
    );
    this.classifier = new nn.Linear(c2 * 7 * 7, num_classes);
  }

  /** The width of the feature vector the extractor gives. */
  get featureDim(): number {
    return this.classifier.in_features;
  }

  override forward(x: Tensor): Tensor {
    return torch.scope(() => this.classifier.call(this.features.call(x)));
  }
}

/** The no-transfer baseline: a generic MLP (flatten, 128 hidden units, ReLU, linear). */
export class BaselineMLP extends nn.Module {
  net: nn.Sequential;
  constructor(num_classes: number) {
    super();
    this.net = new nn.Sequential(new nn.Flatten(), new nn.Linear(28 * 28, 128), new nn.ReLU(), new nn.Linear(128, num_classes));
  }
  override forward(x: Tensor): Tensor {
    return this.net.call(x);
  }
}

// ---- optimizer ----------------------------------------------------------------------------

export const LR = 1e-3;

/** Adam, lr 1e-3 (times each group's lrScale): the same recipe as scripts/transfer_source.py. */
function makeOptimizer(groups: { params: Tensor[]; lrScale?: number }[]): optim.Adam {
  return new optim.Adam(groups.map((g) => ({ params: g.params, lr: LR * (g.lrScale ?? 1) })), { lr: LR });
}

// ---- data ---------------------------------------------------------------------------------

export const MEAN = FashionMNIST.mean;
export const STD = FashionMNIST.std;

interface Split {
  x: Tensor; // float32 [n, 1, 28, 28], normalised
  y: Tensor; // int64 [n], labels remapped to 0..C-1
}

/** The images at indices, as float in [0, 1], then (x - mean) / std; labels remapped through classes. */
function gather(ds: FashionMNIST, labels: number[], indices: number[], classes: number[], device: string): Split {
  return torch.scope(() => {
    const idx = torch.tensor(indices, { dtype: 'int64' });
    const x = ds.data.index_select(0, idx).unsqueeze(1).div(255).sub_(MEAN).div_(STD);
    const y = torch.tensor(indices.map((i) => classes.indexOf(labels[i]!)), { dtype: 'int64' });
    return device === 'cpu' ? { x, y } : { x: x.to(device), y: y.to(device) };
  });
}

function disposeSplit(s: Split): void {
  s.x.dispose();
  s.y.dispose();
}

/** A seeded permutation of xs (torch.randperm with a Generator). */
function shuffled<T>(xs: readonly T[], g: torch.Generator): T[] {
  const p = torch.randperm(xs.length, { generator: g });
  const order = Array.from(p.toTypedArray() as BigInt64Array, Number);
  p.dispose();
  return order.map((i) => xs[i]!);
}

// ---- training and evaluation ------------------------------------------------------------

class Progress {
  private label = '';
  private total = 0;
  private last = 0;
  constructor(private readonly enabled: boolean) {}
  start(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.last = 0;
    this.draw(0, '');
  }
  update(done: number, extra = ''): void {
    const now = performance.now();
    if (done < this.total && now - this.last < 100) return;
    this.last = now;
    this.draw(done, extra);
  }
  end(): void {
    if (this.enabled) process.stderr.write('\r\x1b[2K');
  }
  private draw(done: number, extra: string): void {
    if (!this.enabled) return;
    const width = 24;
    const filled = this.total > 0 ? Math.round((width * done) / this.total) : 0;
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    process.stderr.write(`\r\x1b[2K${this.label.padEnd(34)} ${bar} ${done}/${this.total} ${extra}`);
  }
}

export interface CurvePoint {
  epoch: number;
  /** Training time so far (evaluation excluded). */
  seconds: number;
  accuracy: number;
}

interface TrainStats {
  seconds: number;
  epochs: number;
  steps: number;
  lastLoss: number;
  curve: CurvePoint[];
}

/** The epochs after which a run is evaluated (for the accuracy-against-time curves): about 1/8, 1/4, 1/2 and all of them. */
export function checkpointEpochs(epochs: number): number[] {
  return [...new Set([epochs / 8, epochs / 4, epochs / 2, epochs].map((e) => Math.max(1, Math.round(e))))].filter((e) => e <= epochs);
}

/**
 * Minibatch training, cross-entropy loss, `for await` over a DataLoader that
 * shuffles with a seeded generator (the batches Python's
 * DataLoader(TensorDataset(x, y), batch_size, shuffle=True, generator=g) gives).
 * evaluate() runs after the checkpoint epochs; its time is not training time.
 */
async function train(
  model: nn.Module, opt: optim.Optimizer, data: Split, epochs: number, batchSize: number, seed: number,
  progress: Progress, label: string, evaluate: (() => number) | null = null,
): Promise<TrainStats> {
  const loader = new DataLoader(new TensorDataset(data.x, data.y), {
    batch_size: batchSize, shuffle: true, generator: new torch.Generator().manual_seed(seed),
  });
  const stepsPerEpoch = loader.length;
  const checkpoints = evaluate ? checkpointEpochs(epochs) : [];
  const curve: CurvePoint[] = [];
  progress.start(label, epochs * stepsPerEpoch);
  let steps = 0;
  let lastLoss = NaN;
  let seconds = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const t0 = performance.now();
    for await (const [xb, yb] of loader) {
      opt.zero_grad();
      lastLoss = torch.scope(() => {
        const loss = F.cross_entropy(model.call(xb), yb);
        loss.backward();
        return loss.item();
      });
      opt.step();
      steps++;
      progress.update(steps, `loss ${lastLoss.toFixed(3)}`);
    }
    seconds += (performance.now() - t0) / 1000;
    if (evaluate && checkpoints.includes(epoch)) curve.push({ epoch, seconds, accuracy: evaluate() });
  }
  progress.end();
  return { seconds, epochs, steps, lastLoss, curve };
}

/** Top-1 accuracy over x in batches, under no_grad, in eval mode. */
function accuracy(model: nn.Module, data: Split, batchSize = 1000): number {
  model.eval();
  let correct = 0;
  const n = data.y.size(0);
  torch.no_grad(() => {
    for (let start = 0; start < n; start += batchSize) {
      const len = Math.min(batchSize, n - start);
      correct += torch.scope(() => {
        const logits = model.call(data.x.narrow(0, start, len));
        return logits.argmax(1).eq(data.y.narrow(0, start, len)).sum().item();
      });
    }
  });
  return correct / n;
}

/** Features of x through a frozen extractor (eval mode, no_grad), in batches, as one tensor. */
function extractFeatures(extractor: nn.Module, x: Tensor, batchSize = 1000): Tensor {
  extractor.eval();
  return torch.no_grad(() => torch.scope(() => {
    const parts: Tensor[] = [];
    const n = x.size(0);
    for (let start = 0; start < n; start += batchSize) parts.push(extractor.call(x.narrow(0, start, Math.min(batchSize, n - start))));
    return torch.cat(parts, 0);
  }));
}

function countTrainable(params: Tensor[]): number {
  return params.reduce((s, p) => s + p.numel(), 0);
}

/** torch.save(model.state_dict(), path), freeing the state_dict's handles afterwards. */
function saveStateDict(model: nn.Module, path: string): void {
  const sd = model.state_dict();
  try {
    torch.save(sd, path);
  } finally {
    for (const t of sd.values()) t.dispose();
  }
}

/** Largest |a - b| over the tensors two state_dicts share. */
function maxChange(before: Map<string, unknown>, after: Map<string, Tensor>): number {
  let m = 0;
  for (const [k, a] of after) {
    const b = before.get(k);
    if (!(b instanceof torch.Tensor) || !a.is_floating_point()) continue;
    m = Math.max(m, torch.scope(() => a.sub(b.to(a.device)).abs().max().item()));
  }
  return m;
}

/**
 * Default epochs for a training set of n images in batches of 32: at least 150
 * optimizer steps and 5 epochs, at most 100 epochs (--quick: half, at least 3).
 */
export function defaultEpochs(n: number, quick: boolean): number {
  const stepsPerEpoch = Math.ceil(n / 32);
  const e = Math.min(100, Math.max(5, Math.ceil(150 / stepsPerEpoch)));
  return quick ? Math.max(3, Math.ceil(e / 2)) : e;
}

/** The head of feature transfer trains on cached features, which is cheap: 4x the epochs. */
function headEpochs(epochs: number, explicit: boolean): number {
  return explicit ? epochs : epochs * 4;
}

// ---- the demo -----------------------------------------------------------------------------

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
function std(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResults> {
  const wall0 = performance.now();
  const quick = options.quick ?? false;
  const log = options.log ?? ((line: string) => console.log(line));
  const progress = new Progress(options.progress ?? !!process.stderr.isTTY);
  const targetClasses = options.targetClasses ?? [0, 6];
  const sourceClasses = options.sourceClasses ?? [...Array(10).keys()].filter((c) => !targetClasses.includes(c));
  const ks = options.k ?? [10, 50, 500];
  const seeds = options.seeds ?? (quick ? 2 : 3);
  const seed0 = options.seed ?? 0;
  const device = options.device ?? 'cpu';
  const out = resolve(options.out ?? 'out');
  const methods = options.methods ?? [...METHODS];
  const sourceSamples = options.sourceSamples ?? (quick ? 6000 : 20000);
  const sourceEpochs = options.sourceEpochs ?? 1;
  const sourceTestSamples = options.sourceTestSamples === undefined ? (quick ? 2000 : null) : options.sourceTestSamples;
  const write = options.write ?? true;
  for (const c of [...sourceClasses, ...targetClasses]) {
    if (!Number.isInteger(c) || c < 0 || c > 9) throw new Error(`classes are Fashion-MNIST labels 0..9, got ${c}`);
  }
  if (targetClasses.length < 2) throw new Error('the target task needs at least two classes');
  if (sourceClasses.some((c) => targetClasses.includes(c))) {
    log(`note: source and target classes overlap (${sourceClasses.filter((c) => targetClasses.includes(c)).join(', ')}): the target is then not a new task`);
  }
  if (device !== 'cpu' && !device.startsWith('cuda')) throw new Error(`--device: cpu or cuda[:n], got ${device}`);
  if (device.startsWith('cuda') && !torch.cuda.is_available()) {
    throw new Error(`--device ${device}: this libtorch has no CUDA device (torch.cuda.is_available() is false); use --device cpu`);
  }
  mkdirSync(out, { recursive: true });
  const names = FashionMNIST.classes;
  const nameOf = (cs: number[]): string => cs.map((c) => `${c} ${names[c]}`).join(', ');

  // Data: Fashion-MNIST's IDX files, whole, as uint8 tensors.
  const trainSet = new FashionMNIST(options.dataRoot ?? null, { train: true });
  const testSet = new FashionMNIST(options.dataRoot ?? null, { train: false });
  // Freed however the run ends (the loop below frees the rest as it goes).
  const owned: { dispose(): void }[] = [trainSet, testSet];
  try {
    const trainLabels = trainSet.targetList();
    const testLabels = testSet.targetList();
    const byClass = (labels: number[], classes: number[]): number[] => labels.flatMap((l, i) => (classes.includes(l) ? [i] : []));

    log(`Fashion-MNIST from ${trainSet.root}: ${trainSet.length} training and ${testSet.length} test images`);
    log(`source task: ${sourceClasses.length} classes (${nameOf(sourceClasses)})`);
    log(`target task: ${targetClasses.length} classes (${nameOf(targetClasses)}), k = ${ks.join(', ')} labelled images per class`);

    // ---- source model ----
    const checkpoint = join(out, 'source.pt');
    let sourceInfo: DemoResults['source'];
    const srcTestIdx = byClass(testLabels, sourceClasses);
    const srcTestPick = sourceTestSamples !== null && sourceTestSamples < srcTestIdx.length
      ? shuffled(srcTestIdx, new torch.Generator().manual_seed(seed0 + 1)).slice(0, sourceTestSamples).sort((a, b) => a - b)
      : srcTestIdx;
    const srcTest = gather(testSet, testLabels, srcTestPick, sourceClasses, device);
    owned.push(srcTest.x, srcTest.y);
    const optName = `Adam(lr=${LR})`;

    if (options.sourceCheckpoint) {
      const sd = torch.load(options.sourceCheckpoint) as Map<string, Tensor>;
      for (const t of sd.values()) if (t instanceof torch.Tensor) owned.push(t);
      const w = sd.get('classifier.weight');
      if (!(w instanceof torch.Tensor)) throw new Error(`${options.sourceCheckpoint}: not a SourceCNN state_dict (no classifier.weight)`);
      if (w.size(0) !== sourceClasses.length) {
        throw new Error(`${options.sourceCheckpoint}: its head has ${w.size(0)} outputs, but there are ${sourceClasses.length} source classes (give --source-classes)`);
      }
      const model = new SourceCNN(sourceClasses.length);
      model.load_state_dict(sd);
      for (const t of sd.values()) if (t instanceof torch.Tensor) t.dispose();
      model.to(device);
      const acc = accuracy(model, srcTest);
      log(`source model: loaded ${options.sourceCheckpoint} (${sd.size} tensors); source test accuracy ${acc.toFixed(4)} on ${srcTest.y.size(0)} images`);
      saveStateDict(model, checkpoint);
      sourceInfo = {
        classes: sourceClasses, fromCheckpoint: resolve(options.sourceCheckpoint), checkpoint, trainImages: 0, epochs: 0,
        trainSeconds: 0, testImages: srcTest.y.size(0), accuracy: acc,
      };
      model.dispose();
    } else {
      const pool = byClass(trainLabels, sourceClasses);
      const pick = shuffled(pool, new torch.Generator().manual_seed(seed0)).slice(0, Math.min(sourceSamples, pool.length));
      const src = gather(trainSet, trainLabels, pick, sourceClasses, device);
      torch.manual_seed(seed0);
      const model = new SourceCNN(sourceClasses.length).to(device);
      const opt = makeOptimizer([{ params: model.parameters() }]);
      const stats = await train(model, opt, src, sourceEpochs, 64, seed0, progress, `source (${pick.length} images)`);
      const acc = accuracy(model, srcTest);
      saveStateDict(model, checkpoint);
      log(`source model: trained on ${pick.length} images, ${sourceEpochs} epoch(s), ${stats.steps} steps in ${stats.seconds.toFixed(1)} s; source test accuracy ${acc.toFixed(4)} on ${srcTest.y.size(0)} images; saved ${checkpoint}`);
      sourceInfo = {
        classes: sourceClasses, fromCheckpoint: null, checkpoint, trainImages: pick.length, epochs: sourceEpochs,
        trainSeconds: stats.seconds, testImages: srcTest.y.size(0), accuracy: acc,
      };
      opt.dispose();
      model.dispose();
      disposeSplit(src);
    }
    disposeSplit(srcTest);

    // What transfer starts from: the checkpoint as torch.load reads it back.
    const sourceState = torch.load(checkpoint) as Map<string, Tensor>;
    const extractorModel = new SourceCNN(sourceClasses.length);
    extractorModel.load_state_dict(sourceState);
    extractorModel.to(device);
    extractorModel.requires_grad_(false);
    extractorModel.eval();

    // ---- target task ----
    const tgtTestAll = byClass(testLabels, targetClasses);
    const tgtTestIdx = options.testSamples && options.testSamples < tgtTestAll.length
      ? shuffled(tgtTestAll, new torch.Generator().manual_seed(seed0 + 2)).slice(0, options.testSamples).sort((a, b) => a - b)
      : tgtTestAll;
    const tgtTest = gather(testSet, testLabels, tgtTestIdx, targetClasses, device);
    owned.push(tgtTest.x, tgtTest.y);
    const testFeatures: Split = { x: extractFeatures(extractorModel.features, tgtTest.x), y: tgtTest.y };
    const featureDim = testFeatures.x.size(1);
    log(`target test set: ${tgtTest.y.size(0)} images; frozen features: ${featureDim} per image`);

    const poolByClass = targetClasses.map((c) => byClass(trainLabels, [c]));
    const runs: RunResult[] = [];
    const checks: DemoResults['checks'] = { parameterLoad: { loaded: [], missing_keys: [], unexpected_keys: [] }, frozenMaxChange: 0, fineTunedMaxChange: 0 };
    const backboneState = new Map([...sourceState].filter(([key]) => !key.startsWith('classifier.')));

    for (const k of ks) {
      const explicitEpochs = options.epochs !== undefined && options.epochs !== null;
      const epochs = explicitEpochs ? options.epochs! : defaultEpochs(k * targetClasses.length, quick);
      for (let s = 0; s < seeds; s++) {
        const seed = seed0 + s;
        const g = new torch.Generator().manual_seed(1000 + seed);
        const idx = poolByClass.flatMap((pool) => {
          if (pool.length < k) throw new Error(`k = ${k}: a target class has only ${pool.length} training images`);
          return shuffled(pool, g).slice(0, k);
        });
        const data = gather(trainSet, trainLabels, idx, targetClasses, device);
        const batchSize = Math.min(32, data.y.size(0));
        const nT = targetClasses.length;
        const tag = (m: string): string => `${m} k=${k} seed=${seed}`;

        for (const method of methods) {
          torch.manual_seed(seed);
          let result: RunResult;
          const finish = (model: nn.Module, st: TrainStats, offset: number, evalData: Split, epochsRun: number): RunResult => {
            const curve = st.curve.map((c) => ({ ...c, seconds: c.seconds + offset }));
            const last = curve[curve.length - 1];
            return {
              method, k, seed, accuracy: last?.accuracy ?? accuracy(model, evalData), trainSeconds: st.seconds + offset,
              epochs: epochsRun, steps: st.steps, trainableParams: countTrainable(model.parameters().filter((p) => p.requires_grad)), curve,
            };
          };
          if (method === 'scratch' || method === 'structure') {
            const model = (method === 'scratch' ? new BaselineMLP(nT) : new SourceCNN(nT)).to(device);
            const opt = makeOptimizer([{ params: model.parameters() }]);
            const st = await train(model, opt, data, epochs, batchSize, seed, progress, tag(method), () => accuracy(model, tgtTest));
            result = finish(model, st, 0, tgtTest, epochs);
            opt.dispose();
            model.dispose();
          } else if (method === 'parameter') {
            // Parameter transfer: the source's weights, a fresh head (the classes differ), everything fine-tuned.
            const model = new SourceCNN(nT);
            const report = model.load_state_dict(backboneState, false);
            checks.parameterLoad = { loaded: [...backboneState.keys()], missing_keys: report.missing_keys, unexpected_keys: report.unexpected_keys };
            model.to(device);
            const opt = makeOptimizer([
              { params: model.features.parameters(), lrScale: 0.1 }, // the transferred backbone moves slowly
              { params: model.classifier.parameters() },
            ]);
            const st = await train(model, opt, data, epochs, batchSize, seed, progress, tag(method), () => accuracy(model, tgtTest));
            const tuned = model.features.state_dict({ prefix: 'features.' }) as Map<string, Tensor>;
            checks.fineTunedMaxChange = Math.max(checks.fineTunedMaxChange, maxChange(sourceState, tuned));
            for (const t of tuned.values()) t.dispose();
            result = finish(model, st, 0, tgtTest, epochs);
            opt.dispose();
            model.dispose();
          } else {
            // Feature transfer: the frozen extractor runs once over the training images; only a head trains.
            const t0 = performance.now();
            const feats: Split = { x: extractFeatures(extractorModel.features, data.x), y: data.y };
            const extractSeconds = (performance.now() - t0) / 1000;
            const head = new nn.Linear(featureDim, nT).to(device);
            const opt = makeOptimizer([{ params: head.parameters() }]);
            const he = headEpochs(epochs, explicitEpochs);
            const st = await train(head, opt, feats, he, batchSize, seed, progress, tag(method), () => accuracy(head, testFeatures));
            const after = extractorModel.features.state_dict({ prefix: 'features.' }) as Map<string, Tensor>;
            checks.frozenMaxChange = Math.max(checks.frozenMaxChange, maxChange(sourceState, after));
            for (const t of after.values()) t.dispose();
            result = finish(head, st, extractSeconds, testFeatures, he);
            opt.dispose();
            head.dispose();
            feats.x.dispose();
          }
          runs.push(result);
          log(`  ${result.method.padEnd(9)} k=${String(k).padEnd(4)} seed=${seed}  accuracy ${result.accuracy.toFixed(4)}  train ${result.trainSeconds.toFixed(2)} s  (${result.epochs} epochs, ${result.steps} steps)`);
        }
        disposeSplit(data);
      }
    }

    const summary = summarize(runs, ks, methods);

    const results: DemoResults = {
      options: {
        quick, k: ks, epochs: options.epochs ?? null, sourceEpochs, sourceSamples, sourceClasses, targetClasses, seeds, seed: seed0,
        device, sourceCheckpoint: options.sourceCheckpoint ?? null, out, testSamples: options.testSamples ?? null, methods,
      },
      optimizer: optName,
      classNames: [...names],
      source: sourceInfo,
      target: { classes: targetClasses, testImages: tgtTest.y.size(0) },
      runs,
      summary,
      checks,
      findings: findings(summary, ks),
      wallSeconds: 0,
      files: { checkpoint, results: null, plot: null },
    };

    disposeSplit(tgtTest);
    testFeatures.x.dispose();
    extractorModel.dispose();
    for (const t of sourceState.values()) t.dispose();

    results.wallSeconds = (performance.now() - wall0) / 1000;
    if (write) {
      results.files.results = join(out, 'results.json');
      results.files.plot = join(out, 'transfer.svg');
      writeFileSync(results.files.plot, plotSVG(results));
      writeFileSync(results.files.results, JSON.stringify(results, null, 2) + '\n');
    }
    return results;
  } finally {
    for (const o of owned) o.dispose();
  }
}

/** Means over seeds, per (method, k), with the mean curve and the time to match the no-transfer baseline. */
export function summarize(runs: RunResult[], ks: number[], methods: Method[]): SummaryRow[] {
  const summary: SummaryRow[] = [];
  for (const k of ks) {
    for (const method of methods) {
      const rs = runs.filter((r) => r.k === k && r.method === method);
      if (rs.length === 0) continue;
      const points = Math.min(...rs.map((r) => r.curve.length));
      const curve: CurvePoint[] = [];
      for (let i = 0; i < points; i++) {
        curve.push({
          epoch: rs[0]!.curve[i]!.epoch,
          seconds: mean(rs.map((r) => r.curve[i]!.seconds)),
          accuracy: mean(rs.map((r) => r.curve[i]!.accuracy)),
        });
      }
      summary.push({
        method, k, seeds: rs.length, epochs: rs[0]!.epochs, curve, secondsToBaseline: null,
        accuracyMean: mean(rs.map((r) => r.accuracy)), accuracyStd: std(rs.map((r) => r.accuracy)),
        trainSecondsMean: mean(rs.map((r) => r.trainSeconds)),
      });
    }
    const rows = summary.filter((r) => r.k === k);
    const base = rows.filter((r) => r.method === 'scratch' || r.method === 'structure');
    if (base.length === 0) continue;
    const target = Math.max(...base.map((r) => r.accuracyMean)) - 0.005;
    for (const r of rows) r.secondsToBaseline = r.curve.find((c) => c.accuracy >= target)?.seconds ?? null;
  }
  return summary;
}

// ---- reporting ----------------------------------------------------------------------------

const LABELS: Record<Method, string> = {
  scratch: 'scratch (MLP)',
  structure: 'structure transfer',
  parameter: 'parameter transfer',
  feature: 'feature transfer',
};

function pct(x: number): string {
  return (100 * x).toFixed(1);
}

function fmtSeconds(x: number): string {
  return x < 10 ? `${x.toFixed(2)} s` : `${x.toFixed(1)} s`;
}

/**
 * Where transfer pays and where it does not, per k: each transfer method's final
 * accuracy against the best method without the source's weights (a difference
 * under 1 point counts as a tie), and the training time each needed to match
 * that baseline's final accuracy (less half a point).
 */
export function findings(summary: SummaryRow[], ks: number[]): string[] {
  const lines: string[] = [];
  const get = (m: Method, k: number): SummaryRow | undefined => summary.find((r) => r.method === m && r.k === k);
  for (const k of ks) {
    const base = (['structure', 'scratch'] as Method[]).map((m) => get(m, k)).filter((r): r is SummaryRow => !!r);
    if (base.length === 0) continue;
    const best = base.reduce((a, b) => (b.accuracyMean > a.accuracyMean ? b : a));
    const parts: string[] = [];
    for (const m of ['parameter', 'feature', 'structure'] as Method[]) {
      const r = get(m, k);
      if (!r || r === best) continue;
      const d = 100 * (r.accuracyMean - best.accuracyMean);
      const verdict = d >= 1 ? 'better' : d > -1 ? 'about the same' : 'worse';
      let time = 'never matched it';
      if (r.secondsToBaseline !== null && best.secondsToBaseline !== null) {
        const ratio = best.secondsToBaseline / Math.max(r.secondsToBaseline, 1e-6);
        const how = ratio >= 1.1 ? `${ratio.toFixed(ratio >= 10 ? 0 : 1)}x less than` : ratio > 1 / 1.1 ? 'about as long as' : `${(1 / ratio).toFixed(1)}x more than`;
        time = `matched it after ${fmtSeconds(r.secondsToBaseline)} of training (${how} ${best.method}'s ${fmtSeconds(best.secondsToBaseline)})`;
      }
      parts.push(`${m} ${pct(r.accuracyMean)}% (${d >= 0 ? '+' : ''}${d.toFixed(1)}: ${verdict}), ${time}`);
    }
    lines.push(`k=${k}: baseline ${LABELS[best.method]} ${pct(best.accuracyMean)}%; ${parts.join('; ')}`);
  }
  return lines;
}

export function formatTable(r: DemoResults): string {
  const multi = r.options.seeds > 1;
  const head = ['k', 'method', multi ? `accuracy (mean ± sd, ${r.options.seeds} seeds)` : 'accuracy', 'train time', 'time to baseline', 'epochs', 'trainable params'];
  const rows = r.summary.map((s) => {
    const params = r.runs.find((x) => x.method === s.method && x.k === s.k)!.trainableParams;
    return [
      String(s.k), LABELS[s.method],
      multi ? `${pct(s.accuracyMean)}% ± ${pct(s.accuracyStd)}` : `${pct(s.accuracyMean)}%`,
      fmtSeconds(s.trainSecondsMean), s.secondsToBaseline === null ? '-' : fmtSeconds(s.secondsToBaseline),
      String(s.epochs), params.toLocaleString('en-US'),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  let prevK = r.summary[0]?.k;
  for (let i = 0; i < rows.length; i++) {
    if (r.summary[i]!.k !== prevK) out.push('');
    prevK = r.summary[i]!.k;
    out.push(line(rows[i]!));
  }
  return out.join('\n');
}

// ---- the plot: hand-written SVG -------------------------------------------------------------

const COLORS: Record<Method, string> = { scratch: '#7f7f7f', structure: '#1f77b4', parameter: '#d62728', feature: '#2ca02c' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceLogTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

function fmtTick(v: number): string {
  if (v >= 1) return String(Math.round(v * 100) / 100);
  return String(Number(v.toPrecision(2)));
}

/**
 * Accuracy against k (log axis), then one panel per k of accuracy against
 * training time (log axis): each method's mean curve over the seeds, from
 * evaluations after about 1/8, 1/4, 1/2 and all of its epochs.
 */
export function plotSVG(r: DemoResults): string {
  const ks = r.options.k;
  const methods = r.options.methods;
  const ph = 280, top = 80;
  const bigW = 360, smallW = 250, gap = 80;
  const lefts = [70];
  for (let i = 0; i < ks.length; i++) lefts.push(lefts[lefts.length - 1]! + (i === 0 ? bigW : smallW) + gap);
  const W = lefts[lefts.length - 1]! + smallW + 30;
  const H = top + ph + 100;
  const accs = r.summary.flatMap((s) => [s.accuracyMean - s.accuracyStd, s.accuracyMean + s.accuracyStd, ...s.curve.map((c) => c.accuracy)]);
  let yLo = Math.max(0, Math.floor((Math.min(...accs) - 0.01) * 20) / 20);
  let yHi = Math.min(1, Math.ceil((Math.max(...accs) + 0.01) * 20) / 20);
  if (yHi - yLo < 0.1) yLo = Math.max(0, yHi - 0.1);
  if (yHi <= yLo) yHi = yLo + 0.1;
  const y = (a: number): number => top + ph - ((a - yLo) / (yHi - yLo)) * ph;
  const logX = (v: number, lo: number, hi: number, left: number, w: number): number =>
    left + ((Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * w;
  const f1 = (v: number): string => v.toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  const tgt = r.target.classes.map((c) => r.classNames[c]).join(' vs ');
  const src = r.source.fromCheckpoint
    ? `source: checkpoint ${r.source.fromCheckpoint.split('/').pop()} (${r.source.classes.length} classes)`
    : `source: ${r.source.classes.length} classes, ${r.source.trainImages} images, ${r.source.epochs} epoch(s)`;
  parts.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">Transfer learning on Fashion-MNIST, target: ${esc(tgt)}</text>`);
  parts.push(`<text x="${W / 2}" y="44" text-anchor="middle" fill="#555">${esc(src)}; ${r.target.testImages} target test images; mean of ${r.options.seeds} seed(s); ${esc(r.optimizer)}</text>`);

  const frame = (left: number, w: number, title: string, xTicks: number[], xOf: (v: number) => number, xLabel: string, yLabels: boolean): void => {
    parts.push(`<text x="${f1(left + w / 2)}" y="${top - 10}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
    for (let a = yLo; a <= yHi + 1e-9; a += 0.05) {
      const yy = y(a);
      parts.push(`<line x1="${left}" x2="${left + w}" y1="${f1(yy)}" y2="${f1(yy)}" stroke="#e5e5e5"/>`);
      parts.push(`<text x="${left - 6}" y="${f1(yy + 4)}" text-anchor="end" fill="#333">${(a * 100).toFixed(0)}%</text>`);
    }
    for (const t of xTicks) {
      const xx = xOf(t);
      parts.push(`<line x1="${f1(xx)}" x2="${f1(xx)}" y1="${top}" y2="${top + ph}" stroke="#e5e5e5"/>`);
      parts.push(`<text x="${f1(xx)}" y="${top + ph + 16}" text-anchor="middle" fill="#333">${fmtTick(t)}</text>`);
    }
    parts.push(`<rect x="${left}" y="${top}" width="${w}" height="${ph}" fill="none" stroke="#333"/>`);
    parts.push(`<text x="${f1(left + w / 2)}" y="${top + ph + 36}" text-anchor="middle">${esc(xLabel)}</text>`);
    if (yLabels) parts.push(`<text transform="translate(${left - 46},${top + ph / 2}) rotate(-90)" text-anchor="middle">target test accuracy</text>`);
  };

  // Accuracy against k.
  const kLo = Math.min(...ks) / 1.6, kHi = Math.max(...ks) * 1.6;
  const xk = (v: number): number => logX(v, kLo, kHi, lefts[0]!, bigW);
  frame(lefts[0]!, bigW, 'Final accuracy against k', ks, xk, 'labelled images per class (log scale)', true);
  for (const m of methods) {
    const rows = r.summary.filter((s) => s.method === m).sort((a, b) => a.k - b.k);
    parts.push(`<polyline fill="none" stroke="${COLORS[m]}" stroke-width="2" points="${rows.map((s) => `${f1(xk(s.k))},${f1(y(s.accuracyMean))}`).join(' ')}"/>`);
    for (const s of rows) {
      const cx = xk(s.k);
      if (s.accuracyStd > 0) parts.push(`<line x1="${f1(cx)}" x2="${f1(cx)}" y1="${f1(y(s.accuracyMean - s.accuracyStd))}" y2="${f1(y(s.accuracyMean + s.accuracyStd))}" stroke="${COLORS[m]}" stroke-width="1.5"/>`);
      parts.push(`<circle cx="${f1(cx)}" cy="${f1(y(s.accuracyMean))}" r="4" fill="${COLORS[m]}"><title>${esc(`${LABELS[m]}, k=${s.k}: ${pct(s.accuracyMean)}% ± ${pct(s.accuracyStd)}`)}</title></circle>`);
    }
  }

  // Accuracy against training time, one panel per k.
  ks.forEach((k, i) => {
    const rows = r.summary.filter((s) => s.k === k);
    const ts = rows.flatMap((s) => s.curve.map((c) => Math.max(c.seconds, 1e-3)));
    if (ts.length === 0) return;
    const tLo = Math.min(...ts) / 1.5, tHi = Math.max(...ts) * 1.5;
    const left = lefts[i + 1]!;
    const xt = (v: number): number => logX(v, tLo, tHi, left, smallW);
    frame(left, smallW, `k=${k}: accuracy against training time`, niceLogTicks(tLo, tHi), xt, 'training time (s, log scale)', false);
    const base = rows.filter((s) => s.method === 'scratch' || s.method === 'structure');
    if (base.length > 0) {
      const target = Math.max(...base.map((s) => s.accuracyMean)) - 0.005;
      parts.push(`<line x1="${left}" x2="${left + smallW}" y1="${f1(y(target))}" y2="${f1(y(target))}" stroke="#999" stroke-dasharray="2 3"><title>the best no-transfer final accuracy, less half a point</title></line>`);
    }
    for (const s of rows) {
      const m = s.method;
      parts.push(`<polyline fill="none" stroke="${COLORS[m]}" stroke-width="2" points="${s.curve.map((c) => `${f1(xt(c.seconds))},${f1(y(c.accuracy))}`).join(' ')}"/>`);
      for (const c of s.curve) {
        parts.push(`<circle cx="${f1(xt(c.seconds))}" cy="${f1(y(c.accuracy))}" r="3" fill="${COLORS[m]}"><title>${esc(`${LABELS[m]}, k=${k}, epoch ${c.epoch}: ${pct(c.accuracy)}% after ${c.seconds.toFixed(2)} s`)}</title></circle>`);
      }
    }
  });

  // Legend.
  methods.forEach((m, i) => {
    const lx = 90 + i * 210, ly = H - 18;
    parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${COLORS[m]}" stroke-width="2"/><circle cx="${lx + 12}" cy="${ly - 4}" r="4" fill="${COLORS[m]}"/>`);
    parts.push(`<text x="${lx + 30}" y="${ly}">${esc(LABELS[m])}</text>`);
  });
  parts.push(`<text x="${W - 20}" y="${H - 14}" text-anchor="end" fill="#777" font-size="11">dotted: best no-transfer final accuracy - 0.5 pt</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

// ---- command line -------------------------------------------------------------------------

const HELP = `usage: npx tsx scripts/transfer-demo.ts [options]

Transfer learning on Fashion-MNIST: a source CNN trained on some classes, then
the target classes learnt from k images per class by training from scratch,
structure transfer, parameter transfer and feature transfer, side by side.

  --quick                   two seeds, 6,000 source images, half the epochs (under 3 minutes)
  --k 10,50,500             labelled images per target class
  --epochs N                epochs of every target run (default: chosen per k;
                            feature transfer's head gets 4x unless --epochs is given)
  --source-epochs N         epochs of source training (default 1)
  --source-samples N        source training images (default 20000; --quick 6000)
  --source-classes 1,2,...  source classes (default: all classes not in the target)
  --target-classes 0,6      target classes (default 0 T-shirt/top vs 6 Shirt)
  --source-checkpoint F.pt  skip source training: start from this state_dict
                            (e.g. written by scripts/transfer_source.py)
  --seeds N                 seeds per point (default 3; --quick 2)
  --seed N                  first seed (default 0)
  --test-samples N          use at most N target test images (default: all)
  --methods a,b             some of scratch,structure,parameter,feature (default all)
  --device cpu|cuda         (default cpu)
  --out DIR                 folder for source.pt, results.json, transfer.svg (default ./out)
  --no-progress             no progress bar (it is off anyway when stderr is not a TTY)
  --data DIR                Fashion-MNIST folder (default /usr/share/datasets/fashion-mnist)
  --json                    print the results JSON instead of the table
`;

function intList(v: string, flag: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`${flag}: expected a comma-separated list of integers, got '${v}'`);
  return xs;
}

export function parseArgs(argv: string[]): DemoOptions & { json?: boolean; help?: boolean } {
  const o: DemoOptions & { json?: boolean; help?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) throw new Error(`${flag}: expected a non-negative integer`);
      return v;
    };
    switch (flag) {
      case '--quick': o.quick = true; break;
      case '--k': o.k = intList(value(), flag); break;
      case '--epochs': o.epochs = int(); break;
      case '--source-epochs': o.sourceEpochs = int(); break;
      case '--source-samples': o.sourceSamples = int(); break;
      case '--source-classes': o.sourceClasses = intList(value(), flag); break;
      case '--target-classes': o.targetClasses = intList(value(), flag); break;
      case '--source-checkpoint': o.sourceCheckpoint = value(); break;
      case '--seeds': o.seeds = int(); break;
      case '--seed': o.seed = int(); break;
      case '--test-samples': o.testSamples = int(); break;
      case '--methods': {
        const ms = value().split(',').map((m) => m.trim());
        for (const m of ms) if (!(METHODS as readonly string[]).includes(m)) throw new Error(`--methods: one or more of ${METHODS.join(', ')}, got '${m}'`);
        o.methods = ms as Method[];
        break;
      }
      case '--device': o.device = value(); break;
      case '--out': o.out = value(); break;
      case '--data': o.dataRoot = value(); break;
      case '--no-progress': o.progress = false; break;
      case '--json': o.json = true; break;
      case '-h': case '--help': o.help = true; break;
      default: throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  return o;
}

async function main(): Promise<void> {
  let o: ReturnType<typeof parseArgs>;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  if (o.help) {
    process.stdout.write(HELP);
    return;
  }
  const json = o.json;
  const r = await runDemo({ ...o, log: json ? () => {} : undefined });
  if (json) {
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  console.log('');
  console.log(`Target: ${r.target.classes.map((c) => `${c} ${r.classNames[c]}`).join(' vs ')}, ${r.target.testImages} test images.`);
  console.log(formatTable(r));
  console.log('');
  console.log('scratch: a generic MLP, nothing from the source. structure: the source CNN\'s architecture and recipe, fresh weights.');
  console.log('parameter: the source weights, a fresh head, all fine-tuned (backbone lr x0.1). feature: the frozen source extractor,');
  console.log('features cached once under no_grad, a linear head trained on them (train time includes computing the features).');
  console.log('');
  for (const f of r.findings) console.log(f);
  console.log(`checks: source checkpoint loaded into the target with missing keys [${r.checks.parameterLoad.missing_keys.join(', ')}], unexpected [${r.checks.parameterLoad.unexpected_keys.join(', ')}]; frozen extractor changed by ${r.checks.frozenMaxChange}; fine-tuned backbone changed by up to ${r.checks.fineTunedMaxChange.toExponential(2)}`);
  console.log(`wrote ${r.files.checkpoint}, ${r.files.results}, ${r.files.plot}`);
  console.log(`wall time ${r.wallSeconds.toFixed(1)} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
