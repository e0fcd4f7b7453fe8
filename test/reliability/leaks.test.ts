// Every layer, loss, optimizer step, lr scheduler step and loader batch leaves
// no live tensors behind: after a warm-up (which creates lazily made state such as
// an optimizer's buffers), running the same thing again and freeing what it
// returned brings the live-tensor count back exactly where it was.
// A layer exported from nn without a case here fails the coverage test, so new
// layers get one.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn, optim } from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { DataLoader, Dataset, TensorDataset } from '../../lib/utils/data/index.js';
import { Compose, Normalize, ToTensor } from '../../lib/vision/transforms.js';

const live = (): number => torch.memory().liveTensors;

const tensorsIn = (v: unknown): Tensor[] =>
  v instanceof torch.Tensor ? [v] : Array.isArray(v) ? v.flatMap(tensorsIn) : v instanceof Map ? [...v.values()].flatMap(tensorsIn) : [];

/**
 * Runs fn (forward), backward through its floating outputs, disposes the outputs
 * (except inputs and parameters passed through, as Identity does) and clears the
 * grads of `held`; returns the change in live tensors.
 */
function leakOf(fn: () => unknown, held: Tensor[] = []): number {
  const keep = new Set(held);
  const once = (): void => {
    const outs = [...new Set(tensorsIn(fn()))];
    const diff = outs.filter((o) => o.requires_grad && o.is_floating_point());
    if (diff.length > 0) {
      torch.scope(() => diff.map((o) => o.sum()).reduce((a, b) => a.add(b)).backward());
    }
    for (const o of outs) if (!keep.has(o)) o.dispose();
    for (const p of held) p.grad = null;
  };
  once();
  const before = live();
  once();
  once();
  return live() - before;
}

const x = (...shape: number[]): Tensor => torch.randn(shape, { requires_grad: true });
const params = (m: nn.Module): Tensor[] => [...m.parameters()];

/** [exported class name, a label, () => [forward thunk, tensors whose grads to clear]] */
type Case = [string, string, () => [() => unknown, Tensor[]]];
const mod = (name: string, label: string, make: () => [nn.Module, () => unknown]): Case => [
  name, label, () => {
    const [m, f] = make();
    return [f, params(m)];
  },
];

const im = x(2, 3, 6, 6);
const seq1 = x(2, 3, 8);
const vol = x(1, 2, 4, 4, 4);
const flat = x(4, 6);

const LAYERS: Case[] = [
  mod('Identity', '', () => { const m = new nn.Identity(); return [m, () => m.call(flat)]; }),
  mod('Linear', '', () => { const m = new nn.Linear(6, 3); return [m, () => m.call(flat)]; }),
  mod('NonDynamicallyQuantizableLinear', '', () => { const m = new nn.NonDynamicallyQuantizableLinear(6, 3); return [m, () => m.call(flat)]; }),
  mod('Bilinear', '', () => { const m = new nn.Bilinear(6, 6, 2); return [m, () => m.call(flat, flat)]; }),
  mod('Conv1d', 'padding same', () => { const m = new nn.Conv1d(3, 4, 3, { padding: 'same' }); return [m, () => m.call(seq1)]; }),
  mod('Conv2d', 'circular', () => { const m = new nn.Conv2d(3, 4, 3, { padding: 1, padding_mode: 'circular' }); return [m, () => m.call(im)]; }),
  mod('Conv3d', '', () => { const m = new nn.Conv3d(2, 2, 3); return [m, () => m.call(vol)]; }),
  mod('ConvTranspose1d', '', () => { const m = new nn.ConvTranspose1d(3, 2, 3, { stride: 2 }); return [m, () => m.call(seq1)]; }),
  mod('ConvTranspose2d', 'output_size', () => { const m = new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1 }); return [m, () => m.call(im, [12, 12])]; }),
  mod('ConvTranspose3d', '', () => { const m = new nn.ConvTranspose3d(2, 2, 2); return [m, () => m.call(vol)]; }),
  mod('MaxPool1d', 'indices', () => { const m = new nn.MaxPool1d(2, { return_indices: true }); return [m, () => m.call(seq1)]; }),
  mod('MaxPool2d', '', () => { const m = new nn.MaxPool2d(2); return [m, () => m.call(im)]; }),
  mod('MaxPool3d', '', () => { const m = new nn.MaxPool3d(2); return [m, () => m.call(vol)]; }),
  mod('AvgPool1d', '', () => { const m = new nn.AvgPool1d(2); return [m, () => m.call(seq1)]; }),
  mod('AvgPool2d', 'ceil_mode', () => { const m = new nn.AvgPool2d(4, { stride: 3, ceil_mode: true }); return [m, () => m.call(im)]; }),
  mod('AvgPool3d', '', () => { const m = new nn.AvgPool3d(2); return [m, () => m.call(vol)]; }),
  mod('AdaptiveAvgPool1d', '', () => { const m = new nn.AdaptiveAvgPool1d(3); return [m, () => m.call(seq1)]; }),
  mod('AdaptiveAvgPool2d', '', () => { const m = new nn.AdaptiveAvgPool2d([2, 3]); return [m, () => m.call(im)]; }),
  mod('AdaptiveAvgPool3d', '', () => { const m = new nn.AdaptiveAvgPool3d(2); return [m, () => m.call(vol)]; }),
  mod('AdaptiveMaxPool1d', 'indices', () => { const m = new nn.AdaptiveMaxPool1d(3, true); return [m, () => m.call(seq1)]; }),
  mod('AdaptiveMaxPool2d', '', () => { const m = new nn.AdaptiveMaxPool2d(2); return [m, () => m.call(im)]; }),
  mod('BatchNorm1d', 'training', () => { const m = new nn.BatchNorm1d(6); return [m, () => m.call(flat)]; }),
  mod('BatchNorm1d', 'eval', () => { const m = new nn.BatchNorm1d(6).eval(); return [m, () => m.call(flat)]; }),
  mod('BatchNorm2d', 'training', () => { const m = new nn.BatchNorm2d(3); return [m, () => m.call(im)]; }),
  mod('BatchNorm3d', 'no running stats', () => { const m = new nn.BatchNorm3d(2, { track_running_stats: false }); return [m, () => m.call(vol)]; }),
  mod('LayerNorm', '', () => { const m = new nn.LayerNorm([6]); return [m, () => m.call(flat)]; }),
  mod('GroupNorm', '', () => { const m = new nn.GroupNorm(1, 3); return [m, () => m.call(im)]; }),
  mod('Dropout', '', () => { const m = new nn.Dropout(0.3); return [m, () => m.call(flat)]; }),
  mod('Dropout1d', '', () => { const m = new nn.Dropout1d(0.3); return [m, () => m.call(seq1)]; }),
  mod('Dropout2d', '', () => { const m = new nn.Dropout2d(0.3); return [m, () => m.call(im)]; }),
  mod('Dropout3d', '', () => { const m = new nn.Dropout3d(0.3); return [m, () => m.call(vol)]; }),
  mod('AlphaDropout', '', () => { const m = new nn.AlphaDropout(0.3); return [m, () => m.call(flat)]; }),
  mod('FeatureAlphaDropout', '', () => { const m = new nn.FeatureAlphaDropout(0.3); return [m, () => m.call(im)]; }),
  mod('Flatten', '', () => { const m = new nn.Flatten(); return [m, () => m.call(im)]; }),
  mod('Unflatten', '', () => { const m = new nn.Unflatten(1, [2, 3]); return [m, () => m.call(flat)]; }),
  mod('Threshold', '', () => { const m = new nn.Threshold(0.1, 20); return [m, () => m.call(flat)]; }),
  mod('ReLU', '', () => { const m = new nn.ReLU(); return [m, () => m.call(flat)]; }),
  mod('ReLU6', '', () => { const m = new nn.ReLU6(); return [m, () => m.call(flat)]; }),
  mod('Hardtanh', '', () => { const m = new nn.Hardtanh(-0.5, 0.5); return [m, () => m.call(flat)]; }),
  mod('Sigmoid', '', () => { const m = new nn.Sigmoid(); return [m, () => m.call(flat)]; }),
  mod('Tanh', '', () => { const m = new nn.Tanh(); return [m, () => m.call(flat)]; }),
  mod('LogSigmoid', '', () => { const m = new nn.LogSigmoid(); return [m, () => m.call(flat)]; }),
  mod('Tanhshrink', '', () => { const m = new nn.Tanhshrink(); return [m, () => m.call(flat)]; }),
  mod('Softsign', '', () => { const m = new nn.Softsign(); return [m, () => m.call(flat)]; }),
  mod('SiLU', '', () => { const m = new nn.SiLU(); return [m, () => m.call(flat)]; }),
  mod('Mish', '', () => { const m = new nn.Mish(); return [m, () => m.call(flat)]; }),
  mod('SELU', '', () => { const m = new nn.SELU(); return [m, () => m.call(flat)]; }),
  mod('Hardsigmoid', '', () => { const m = new nn.Hardsigmoid(); return [m, () => m.call(flat)]; }),
  mod('Hardswish', '', () => { const m = new nn.Hardswish(); return [m, () => m.call(flat)]; }),
  mod('ELU', '', () => { const m = new nn.ELU(); return [m, () => m.call(flat)]; }),
  mod('CELU', '', () => { const m = new nn.CELU(); return [m, () => m.call(flat)]; }),
  mod('LeakyReLU', '', () => { const m = new nn.LeakyReLU(0.2); return [m, () => m.call(flat)]; }),
  mod('GELU', 'tanh', () => { const m = new nn.GELU({ approximate: 'tanh' }); return [m, () => m.call(flat)]; }),
  mod('Softplus', '', () => { const m = new nn.Softplus(); return [m, () => m.call(flat)]; }),
  mod('Hardshrink', '', () => { const m = new nn.Hardshrink(); return [m, () => m.call(flat)]; }),
  mod('Softshrink', '', () => { const m = new nn.Softshrink(); return [m, () => m.call(flat)]; }),
  mod('GLU', '', () => { const m = new nn.GLU(); return [m, () => m.call(flat)]; }),
  mod('Softmax', '', () => { const m = new nn.Softmax(1); return [m, () => m.call(flat)]; }),
  mod('LogSoftmax', '', () => { const m = new nn.LogSoftmax(1); return [m, () => m.call(flat)]; }),
  mod('Softmin', '', () => { const m = new nn.Softmin(1); return [m, () => m.call(flat)]; }),
  mod('Softmax2d', '', () => { const m = new nn.Softmax2d(); return [m, () => m.call(im)]; }),
  mod('PReLU', '', () => { const m = new nn.PReLU(3); return [m, () => m.call(im)]; }),
  mod('MultiheadAttention', 'masks, weights', () => { const m = new nn.MultiheadAttention(6, 2); const q = x(3, 2, 6); const mask = torch.zeros([3, 3]); return [m, () => m.call(q, q, q, { attn_mask: mask })]; }),
  mod('Embedding', 'padding_idx', () => { const m = new nn.Embedding(10, 4, { padding_idx: 0 }); const i = torch.tensor([[0, 2, 5]]); return [m, () => m.call(i)]; }),
  mod('RNN', 'tanh, 2 layers', () => { const m = new nn.RNN(8, 5, { num_layers: 2 }); const i = x(4, 2, 8); return [m, () => m.call(i)]; }),
  mod('LSTM', 'batch_first, proj_size', () => { const m = new nn.LSTM(8, 5, { batch_first: true, proj_size: 3 }); const i = x(2, 4, 8); return [m, () => m.call(i)]; }),
  mod('GRU', 'bidirectional', () => { const m = new nn.GRU(8, 5, { bidirectional: true }); const i = x(4, 2, 8); return [m, () => m.call(i)]; }),
  mod('TransformerEncoderLayer', 'gelu', () => { const m = new nn.TransformerEncoderLayer(6, 2, 12, { activation: 'gelu' }); const i = x(3, 2, 6); return [m, () => m.call(i)]; }),
  mod('TransformerEncoder', 'with mask', () => { const m = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(6, 2, 12), 2); const i = x(3, 2, 6); const mask = torch.zeros([3, 3]); return [m, () => m.call(i, { mask })]; }),
  mod('Sequential', '', () => { const m = new nn.Sequential(new nn.Linear(6, 4), new nn.Tanh(), new nn.Linear(4, 2)); return [m, () => m.call(flat)]; }),
  mod('ModuleList', 'iterated', () => { const m = new nn.ModuleList([new nn.Linear(6, 6), new nn.ReLU()]); return [m, () => torch.scope(() => { let h = flat; for (const l of m) h = (l as nn.Module).call(h) as Tensor; return h; })]; }),
  mod('ModuleDict', 'by key', () => { const m = new nn.ModuleDict({ a: new nn.Linear(6, 2) }); return [m, () => (m.get('a') as nn.Module).call(flat)]; }),
  mod('ParameterList', 'used', () => { const m = new nn.ParameterList([new nn.Parameter(torch.randn(6))]); return [m, () => flat.mul(m.at(0))]; }),
  mod('ParameterDict', 'used', () => { const m = new nn.ParameterDict({ w: new nn.Parameter(torch.randn(6)) }); return [m, () => flat.mul(m.get('w') as Tensor)]; }),
];

const prob = (): Tensor => torch.rand([4, 6], { requires_grad: true });
const target = torch.rand([4, 6]);
const classes = torch.tensor([0, 5, 2, 1]);
const LOSSES: Case[] = [
  mod('L1Loss', '', () => { const m = new nn.L1Loss(); return [m, () => m.call(flat, target)]; }),
  mod('MSELoss', 'sum', () => { const m = new nn.MSELoss({ reduction: 'sum' }); return [m, () => m.call(flat, target)]; }),
  mod('SmoothL1Loss', '', () => { const m = new nn.SmoothL1Loss({ beta: 0.5 }); return [m, () => m.call(flat, target)]; }),
  mod('HuberLoss', '', () => { const m = new nn.HuberLoss({ delta: 0.5 }); return [m, () => m.call(flat, target)]; }),
  mod('CrossEntropyLoss', 'class weights', () => { const m = new nn.CrossEntropyLoss({ weight: torch.rand([6]) }); return [m, () => m.call(flat, classes)]; }),
  mod('CrossEntropyLoss', 'probabilities', () => { const m = new nn.CrossEntropyLoss(); const p = target.softmax(1); return [m, () => m.call(flat, p)]; }),
  mod('NLLLoss', 'ignore_index', () => { const m = new nn.NLLLoss({ ignore_index: 5 }); return [m, () => m.call(flat, classes)]; }),
  mod('BCELoss', '', () => { const m = new nn.BCELoss(); const p = prob(); return [m, () => m.call(p, target)]; }),
  mod('BCEWithLogitsLoss', 'pos_weight', () => { const m = new nn.BCEWithLogitsLoss({ pos_weight: torch.rand([6]) }); return [m, () => m.call(flat, target)]; }),
  mod('KLDivLoss', 'log_target', () => { const m = new nn.KLDivLoss({ reduction: 'batchmean', log_target: true }); return [m, () => m.call(flat, target)]; }),
];

describe('every layer leaves no tensors behind', () => {
  for (const [name, label, make] of LAYERS) {
    it(`${name}${label ? ` (${label})` : ''}`, () => {
      const [f, ps] = make();
      expect(leakOf(f, [...ps, flat, im, seq1, vol])).toBe(0);
    });
  }
  it('every nn layer class has a case here', () => {
    const covered = new Set([...LAYERS, ...LOSSES].map(([n]) => n));
    const abstract = new Set(['Module', 'RNNBase']);
    const exported = Object.entries(nn)
      .filter(([n, v]) => typeof v === 'function' && v.prototype instanceof nn.Module && !n.startsWith('_') && !abstract.has(n))
      .map(([n]) => n);
    expect(exported.length).toBeGreaterThan(80);
    expect(exported.filter((n) => !covered.has(n))).toEqual([]);
  });
});

describe('every loss leaves no tensors behind', () => {
  for (const [name, label, make] of LOSSES) {
    it(`${name}${label ? ` (${label})` : ''}`, () => {
      const [f, ps] = make();
      expect(leakOf(f, [...ps, flat])).toBe(0);
    });
  }
});

// ---- optimizers and schedulers ----------------------------------------------------------

type OptimCase = [string, (ps: Tensor[]) => optim.Optimizer];
const OPTIMIZERS: OptimCase[] = [
  ['SGD', (ps) => new optim.SGD(ps, { lr: 0.01 })],
  ['SGD momentum nesterov weight_decay', (ps) => new optim.SGD(ps, { lr: 0.01, momentum: 0.9, nesterov: true, weight_decay: 1e-4 })],
  ['SGD foreach', (ps) => new optim.SGD(ps, { lr: 0.01, momentum: 0.9, foreach: true })],
  ['Adam', (ps) => new optim.Adam(ps, { lr: 1e-3 })],
  ['Adam amsgrad foreach', (ps) => new optim.Adam(ps, { lr: 1e-3, amsgrad: true, foreach: true })],
  ['AdamW', (ps) => new optim.AdamW(ps, { lr: 1e-3 })],
  ['AdamW foreach maximize', (ps) => new optim.AdamW(ps, { lr: 1e-3, foreach: true, maximize: true })],
  ['RMSprop centered momentum', (ps) => new optim.RMSprop(ps, { lr: 1e-3, centered: true, momentum: 0.5 })],
  ['RMSprop foreach', (ps) => new optim.RMSprop(ps, { lr: 1e-3, foreach: true })],
  ['Adagrad', (ps) => new optim.Adagrad(ps, { lr: 1e-2, lr_decay: 1e-3 })],
  ['Adagrad foreach', (ps) => new optim.Adagrad(ps, { lr: 1e-2, foreach: true })],
  ['Adadelta', (ps) => new optim.Adadelta(ps, { weight_decay: 1e-3 })],
  ['Adadelta foreach', (ps) => new optim.Adadelta(ps, { foreach: true })],
  ['Adamax', (ps) => new optim.Adamax(ps, { lr: 1e-3 })],
  ['Adamax foreach', (ps) => new optim.Adamax(ps, { lr: 1e-3, foreach: true })],
  ['NAdam', (ps) => new optim.NAdam(ps, { lr: 1e-3 })],
  ['NAdam foreach', (ps) => new optim.NAdam(ps, { lr: 1e-3, foreach: true })],
  ['RAdam', (ps) => new optim.RAdam(ps, { lr: 1e-3 })],
  ['RAdam foreach', (ps) => new optim.RAdam(ps, { lr: 1e-3, foreach: true })],
];

/** The article's model and data; one training step; the change in live tensors over three steps after two warm-ups. */
function stepLeak(makeOpt: (ps: Tensor[]) => optim.Optimizer, zeroToNone: boolean, lbfgs = false): number {
  torch.manual_seed(0);
  const model = new nn.Sequential(new nn.Linear(10, 20), new nn.ReLU(), new nn.Linear(20, 10));
  const data = torch.randn(100, 10);
  const y = torch.randn(100, 10);
  const lossFn = new nn.MSELoss();
  const opt = makeOpt(params(model));
  const closure = (): Tensor => {
    opt.zero_grad(zeroToNone);
    const l = lossFn.call(model.call(data), y);
    l.backward();
    return l;
  };
  const step = (): void => {
    if (lbfgs) {
      const l = opt.step(closure) as Tensor | null | undefined;
      l?.dispose();
    } else {
      torch.scope(() => void closure());
      opt.step();
    }
  };
  step();
  step();
  const before = live();
  for (let i = 0; i < 3; i++) step();
  const leak = live() - before;
  opt.zero_grad();
  opt.dispose();
  for (const t of [...params(model), data, y]) t.dispose();
  return leak;
}

describe('every optimizer step leaves no tensors behind', () => {
  for (const [name, make] of OPTIMIZERS) {
    it(name, () => {
      expect(stepLeak(make, true)).toBe(0);
      expect(stepLeak(make, false)).toBe(0);
    });
  }
  it('LBFGS with a closure', () => {
    // history_size 3: the history (up to history_size pairs, as in PyTorch) is full after the warm-up steps.
    expect(stepLeak((ps) => new optim.LBFGS(ps, { lr: 0.1, max_iter: 4, history_size: 3 }), true, true)).toBe(0);
    expect(stepLeak((ps) => new optim.LBFGS(ps, { lr: 0.1, max_iter: 4, history_size: 3, line_search_fn: 'strong_wolfe' }), true, true)).toBe(0);
  });
  it('every optimizer class has a case here', () => {
    const covered = new Set([...OPTIMIZERS.map(([n]) => n.split(' ')[0]!), 'LBFGS']);
    const exported = Object.entries(optim)
      .filter(([, v]) => typeof v === 'function' && v.prototype instanceof optim.Optimizer)
      .map(([n]) => n);
    expect(exported.filter((n) => !covered.has(n))).toEqual([]);
  });
  it('lr scheduler steps create no tensors', () => {
    const w = new nn.Parameter(torch.randn(3));
    const opt = new optim.SGD([w], { lr: 0.1, momentum: 0.9 });
    const scheds = [
      new optim.lr_scheduler.StepLR(opt, 2),
      new optim.lr_scheduler.CosineAnnealingLR(opt, 10),
      new optim.lr_scheduler.OneCycleLR(opt, { max_lr: 0.5, total_steps: 100 }),
    ];
    const plateau = new optim.lr_scheduler.ReduceLROnPlateau(new optim.SGD([w], { lr: 0.1 }));
    const before = live();
    for (let i = 0; i < 20; i++) {
      for (const s of scheds) s.step();
      plateau.step(1);
    }
    expect(live()).toBe(before);
    opt.dispose();
    w.dispose();
  });
});

// ---- data loader batches ------------------------------------------------------------------

/** An image dataset like FashionMNIST: uint8 [28, 28] images through ToTensor + Normalize, int labels. */
class FakeImages extends Dataset<[Tensor, number]> {
  private readonly transform = Compose([ToTensor(), Normalize([0.5], [0.25])]);
  constructor(private readonly images: Tensor) {
    super();
  }
  override get(i: number): [Tensor, number] {
    return torch.scope(() => [this.transform(this.images.get(i)), i % 10]);
  }
  get length(): number {
    return this.images.size(0);
  }
}

describe('data loader batches leave no tensors behind', () => {
  const xs = torch.randn(50, 4);
  const ys = torch.arange(50);
  const images = torch.randint(0, 256, [40, 28, 28], { dtype: 'uint8' });

  it('for await over a TensorDataset, whole epochs and a break', async () => {
    const loader = new DataLoader(new TensorDataset(xs, ys), { batch_size: 8, shuffle: true });
    const before = live();
    for (let epoch = 0; epoch < 2; epoch++) {
      let n = 0;
      for await (const [xb, yb] of loader) {
        expect(xb.size(0)).toBe(yb.size(0));
        n++;
      }
      expect(n).toBe(7);
    }
    for await (const [xb] of loader) {
      expect(xb.size(1)).toBe(4);
      break;
    }
    expect(live()).toBe(before);
  });

  it('synchronous for-of over an image dataset with per-item transforms, drop_last', () => {
    const loader = new DataLoader(new FakeImages(images), { batch_size: 16, drop_last: true });
    const before = live();
    let n = 0;
    for (const [xb, yb] of loader) {
      expect(xb.shape).toEqual([16, 1, 28, 28]);
      expect(yb.dtype).toBe('int64');
      n++;
    }
    expect(n).toBe(2);
    expect(live()).toBe(before);
  });

  it('a training step per batch, with no explicit dispose, under scope', async () => {
    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 10));
    const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
    const loader = new DataLoader(new FakeImages(images), { batch_size: 10, shuffle: true });
    const step = async (): Promise<void> => {
      for await (const [xb, yb] of loader) {
        torch.scope(() => {
          opt.zero_grad();
          nn.functional.cross_entropy(model.call(xb), yb).backward();
          opt.step();
        });
      }
    };
    await step();
    const before = live();
    await step();
    expect(live()).toBe(before);
  });
});
