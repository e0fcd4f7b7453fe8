// nn.Embedding (padding_idx, max_norm, from_pretrained) and nn.Flatten / nn.Unflatten against PyTorch.
import { nn } from '../../lib/index.js';
import { parityTests, type ParityCase } from './parity.js';

const cases: ParityCase[] = [
  { name: 'Embedding', seed: 110, py: 'nn.Embedding(10, 4)', ts: () => new nn.Embedding(10, 4), inputs: [{ kind: 'randint', high: 10, shape: [3, 5] }] },
  { name: 'Embedding padding_idx', seed: 111, py: 'nn.Embedding(8, 3, padding_idx=2)', ts: () => new nn.Embedding(8, 3, { padding_idx: 2 }), inputs: [{ kind: 'const', values: [[2, 1, 2, 7], [0, 2, 5, 5]], dtype: 'int64' }] },
  { name: 'Embedding negative padding_idx', seed: 112, py: 'nn.Embedding(6, 2, padding_idx=-1)', ts: () => new nn.Embedding(6, 2, -1), inputs: [{ kind: 'const', values: [5, 0, 5, 3], dtype: 'int64' }] },
  { name: 'Embedding max_norm', seed: 113, py: 'nn.Embedding(6, 4, max_norm=1.0)', ts: () => new nn.Embedding(6, 4, { max_norm: 1.0 }), inputs: [{ kind: 'const', values: [1, 3, 3, 5], dtype: 'int64' }] },
  { name: 'Embedding scale_grad_by_freq', seed: 114, py: 'nn.Embedding(5, 3, scale_grad_by_freq=True)', ts: () => new nn.Embedding(5, 3, { scale_grad_by_freq: true }), inputs: [{ kind: 'const', values: [1, 1, 4, 1], dtype: 'int64' }] },
  { name: 'Flatten', seed: 115, py: 'nn.Flatten()', ts: () => new nn.Flatten(), inputs: [{ kind: 'randn', shape: [2, 3, 4, 5] }] },
  { name: 'Flatten 0..2', seed: 116, py: 'nn.Flatten(0, 2)', ts: () => new nn.Flatten(0, 2), inputs: [{ kind: 'randn', shape: [2, 3, 4, 5] }] },
  { name: 'Unflatten', seed: 117, py: 'nn.Unflatten(1, (2, 5))', ts: () => new nn.Unflatten(1, [2, 5]), inputs: [{ kind: 'randn', shape: [3, 10] }] },
];

await parityTests('sparse and flatten', cases);
