// The transfer demo's CNN (SourceCNN from scripts/transfer-demo.ts), set up for
// the compute-bound benchmarks (cnn-step.ts: a training step; inference.ts: the
// 10,000 test images under no_grad) exactly as its Python twin
// scripts/bench/cnn.py sets it up, and that twin as a persistent process.
// Both sides compute the same check values first (the first steps' losses, the
// predicted-class counts); cnnTwin() refuses to time anything unless they agree,
// so the benchmark is known to time the same work on both sides.
import * as torch from '../../lib/index.js';
import { nn, optim } from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { FashionMNIST } from '../../lib/vision/datasets/index.js';
import { LR, MEAN, SourceCNN, STD } from '../transfer-demo.js';
import { benchDir, lineWorker, pythonBin } from './common.js';
import { join } from 'node:path';

const F = nn.functional;
export const BATCH = 64;
export const INFER_BATCH = 256;
const CHECK_STEPS = 3;

/** A training step at batch 64: zero_grad(set_to_none), forward, cross_entropy, backward, Adam step; returns nothing. */
export function makeTrainStep(): { step: () => void; lossStep: () => number } {
  torch.manual_seed(0);
  const model = new SourceCNN(10);
  model.train();
  const opt = new optim.Adam(model.parameters(), { lr: LR });
  const x = torch.randn(BATCH, 1, 28, 28);
  const y = torch.randint(0, 10, [BATCH]);
  const run = (wantLoss: boolean): number =>
    torch.scope(() => {
      opt.zero_grad(true);
      const loss: Tensor = F.cross_entropy(model.call(x), y);
      loss.backward();
      opt.step();
      return wantLoss ? loss.item() : 0;
    });
  return { step: () => void run(false), lossStep: () => run(true) };
}

/**
 * One pass over the 10,000 test images in batches of 256 under no_grad (eval mode): forward and argmax.
 * batches(k): the first k batches of a pass (wrapping around), for instruction counts.
 */
export function makeInferPass(): { pass: () => void; batches: (k: number) => void; predictions: () => Tensor } {
  torch.manual_seed(0);
  const model = new SourceCNN(10);
  model.eval();
  const test = new FashionMNIST(null, { train: false });
  const x = torch.scope(() => test.data.unsqueeze(1).div(255).sub_(MEAN).div_(STD));
  test.dispose();
  const n = x.size(0);
  const starts = Array.from({ length: Math.ceil(n / INFER_BATCH) }, (_, i) => i * INFER_BATCH);
  const run = (keep: boolean, batches = starts.length): Tensor[] =>
    torch.no_grad(() => {
      const preds: Tensor[] = [];
      for (let b = 0; b < batches; b++) {
        const s = starts[b % starts.length]!;
        const p = torch.scope(() => model.call(x.narrow(0, s, Math.min(INFER_BATCH, n - s))).argmax(1));
        if (keep) preds.push(p);
        else p.dispose();
      }
      return preds;
    });
  return {
    pass: () => void run(false),
    batches: (k) => void run(false, k),
    predictions: () => {
      const preds = run(true);
      const all = torch.cat(preds, 0);
      for (const p of preds) p.dispose();
      return all;
    },
  };
}

export interface CnnCheck {
  losses: number[];
  counts: number[];
  threads?: number;
}

/** What both sides must agree on before timing. */
export function oursCheck(train: { lossStep: () => number }, infer: { predictions: () => Tensor }): CnnCheck {
  const losses = Array.from({ length: CHECK_STEPS }, () => train.lossStep());
  const counts = torch.scope(() => {
    const c = torch.bincount(infer.predictions(), null, 10);
    return Array.from(c.toTypedArray() as BigInt64Array, Number);
  });
  return { losses, counts };
}

/** The Python twin, started and checked against ours; ask('train 10') answers us/step, ask('infer 2') ms/pass. */
export async function cnnTwin(ours: CnnCheck): Promise<{ ask(request: string): Promise<number>; close(): void; check: CnnCheck }> {
  const w = lineWorker(pythonBin, [join(benchDir, 'cnn.py')]);
  const check = JSON.parse(await w.read()) as CnnCheck;
  const close = (): void => w.close();
  const lossesAgree = check.losses.every((l, i) => Math.abs(l - ours.losses[i]!) <= 1e-5 * Math.max(1, Math.abs(l)));
  const countsAgree = check.counts.every((c, i) => c === ours.counts[i]);
  if (!lossesAgree || !countsAgree) {
    close();
    throw new Error(`the CNN benchmarks would not time the same work: Python ${JSON.stringify(check)}, ours ${JSON.stringify(ours)}`);
  }
  return { ask: async (r) => Number(await w.ask(r)), close, check };
}
