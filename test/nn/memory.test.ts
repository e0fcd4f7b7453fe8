// Layers, losses and functional calls free their temporaries: after a warm-up,
// one forward + backward whose outputs are then disposed leaves the live
// tensor count where it was.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn } from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';

const F = nn.functional;
const outputsOf = (v: unknown): Tensor[] =>
  v instanceof torch.Tensor ? [v] : Array.isArray(v) ? v.flatMap(outputsOf) : [];

function leakOf(run: () => unknown): number {
  const once = (): void => {
    const outs = outputsOf(run());
    const grads = outs.filter((o) => o.requires_grad && o.is_floating_point());
    if (grads.length > 0) {
      torch.scope(() => {
        const total = grads.map((o) => o.sum()).reduce((a, b) => a.add(b));
        total.backward();
      });
    }
    for (const o of new Set(outs)) o.dispose();
  };
  once();
  const before = torch.memory().liveTensors;
  once();
  once();
  return torch.memory().liveTensors - before;
}

const x = (...shape: number[]): Tensor => torch.randn(shape, { requires_grad: true });
const cases: [string, () => () => unknown][] = [
  ['Linear', () => { const m = new nn.Linear(4, 3); const i = x(2, 4); return () => m.call(i); }],
  ['Bilinear', () => { const m = new nn.Bilinear(2, 3, 4); const a = x(5, 2), b = x(5, 3); return () => m.call(a, b); }],
  ['Conv2d reflect', () => { const m = new nn.Conv2d(2, 3, 3, { padding: 1, padding_mode: 'reflect' }); const i = x(1, 2, 5, 5); return () => m.call(i); }],
  ['ConvTranspose2d output_size', () => { const m = new nn.ConvTranspose2d(2, 2, 3, { stride: 2, padding: 1 }); const i = x(1, 2, 4, 4); return () => m.call(i, [8, 8]); }],
  ['MaxPool2d indices', () => { const m = new nn.MaxPool2d(2, { return_indices: true }); const i = x(1, 2, 4, 4); return () => m.call(i); }],
  ['AdaptiveMaxPool2d', () => { const m = new nn.AdaptiveMaxPool2d(2); const i = x(1, 2, 5, 5); return () => m.call(i); }],
  ['BatchNorm1d (training)', () => { const m = new nn.BatchNorm1d(3, { momentum: null }); const i = x(4, 3); return () => m.call(i); }],
  ['LayerNorm', () => { const m = new nn.LayerNorm(4); const i = x(2, 4); return () => m.call(i); }],
  ['GroupNorm', () => { const m = new nn.GroupNorm(2, 4); const i = x(2, 4, 3); return () => m.call(i); }],
  ['Dropout1d unbatched', () => { const m = new nn.Dropout1d(0.5); const i = x(3, 4); return () => m.call(i); }],
  ['Embedding max_norm', () => { const m = new nn.Embedding(5, 3, { max_norm: 1 }); const i = torch.tensor([1, 2, 2]); return () => m.call(i); }],
  ['LSTM unbatched, default state', () => { const m = new nn.LSTM(3, 4, { num_layers: 2, bidirectional: true }); const i = x(5, 3); return () => m.call(i); }],
  ['GRU with h0', () => { const m = new nn.GRU(3, 4); const i = x(5, 2, 3); const h = x(1, 2, 4); return () => m.call(i, h); }],
  ['RNN unbatched', () => { const m = new nn.RNN(3, 4); const i = x(5, 3); return () => m.call(i); }],
  ['MultiheadAttention batch_first, masks', () => { const m = new nn.MultiheadAttention(4, 2, { batch_first: true, add_bias_kv: true, add_zero_attn: true }); const q = x(2, 3, 4); const k = torch.rand([2, 3]).lt(0.3); return () => m.call(q, q, q, { key_padding_mask: k }); }],
  ['MultiheadAttention fast path', () => { const m = new nn.MultiheadAttention(4, 2, { batch_first: true }).eval(); const q = torch.randn([2, 3, 4]); return () => torch.no_grad(() => m.call(q, q, q)); }],
  ['TransformerEncoderLayer norm_first', () => { const m = new nn.TransformerEncoderLayer(4, 2, 8, { norm_first: true }); const i = x(3, 2, 4); return () => m.call(i); }],
  ['TransformerEncoder nested fast path', () => { const m = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, 8, { batch_first: true }), 2).eval(); const i = torch.randn([2, 3, 4]); const k = torch.tensor([[false, false, true], [false, false, false]]); return () => torch.no_grad(() => m.call(i, { src_key_padding_mask: k })); }],
  ['Sequential', () => { const m = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(4, 2)); const i = x(2, 3); return () => m.call(i); }],
  ['MSELoss broadcasting', () => { const m = new nn.MSELoss(); const a = x(3, 4), b = torch.randn([4]); return () => m.call(a, b); }],
  ['BCELoss weight', () => { const m = new nn.BCELoss({ weight: torch.rand([4]) }); const a = torch.rand([3, 4], { requires_grad: true }), b = torch.rand([3, 4]); return () => m.call(a, b); }],
  ['KLDivLoss batchmean', () => { const m = new nn.KLDivLoss({ reduction: 'batchmean' }); const a = x(3, 4), b = torch.rand([3, 4]); return () => m.call(a, b); }],
  ['CrossEntropyLoss', () => { const m = new nn.CrossEntropyLoss({ label_smoothing: 0.1 }); const a = x(3, 4); const t = torch.tensor([0, 3, 1]); return () => m.call(a, t); }],
  ['F.normalize, softmin, tanhshrink, softsign', () => { const i = x(3, 4); return () => [F.normalize(i), F.softmin(i, 1), F.tanhshrink(i), F.softsign(i)]; }],
];

describe('nn leaves no tensors behind', () => {
  for (const [name, make] of cases) {
    it(name, () => expect(leakOf(make())).toBe(0));
  }
});
