// BatchNorm (running statistics, momentum, num_batches_tracked, eval), LayerNorm, GroupNorm against PyTorch.
import { nn } from '../../lib/index.js';
import { parityTests, type ParityCase } from './parity.js';

const twoSteps = (m: any, xs: any[]) => {
  m.call(xs[0]);
  return m.call(xs[1]);
};
const cases: ParityCase[] = [
  { name: 'BatchNorm1d (N, C)', seed: 50, py: 'nn.BatchNorm1d(4)', ts: () => new nn.BatchNorm1d(4), inputs: [{ kind: 'randn', shape: [8, 4] }] },
  { name: 'BatchNorm1d (N, C, L), momentum 0.3', seed: 51, py: 'nn.BatchNorm1d(3, momentum=0.3)', ts: () => new nn.BatchNorm1d(3, { momentum: 0.3 }), inputs: [{ kind: 'randn', shape: [4, 3, 5] }] },
  {
    name: 'BatchNorm1d cumulative average (momentum=None), two steps', seed: 52, py: 'nn.BatchNorm1d(3, momentum=None)', ts: () => new nn.BatchNorm1d(3, { momentum: null }),
    inputs: [{ kind: 'randn', shape: [6, 3] }, { kind: 'randn', shape: [6, 3] }], call_py: '(m(xs[0]), m(xs[1]))[1]', call_ts: twoSteps,
  },
  { name: 'BatchNorm2d', seed: 53, py: 'nn.BatchNorm2d(3)', ts: () => new nn.BatchNorm2d(3), inputs: [{ kind: 'randn', shape: [2, 3, 4, 5] }] },
  {
    name: 'BatchNorm2d two steps', seed: 54, py: 'nn.BatchNorm2d(2, eps=1e-3)', ts: () => new nn.BatchNorm2d(2, { eps: 1e-3 }),
    inputs: [{ kind: 'randn', shape: [3, 2, 3, 3] }, { kind: 'randn', shape: [3, 2, 3, 3] }], call_py: '(m(xs[0]), m(xs[1]))[1]', call_ts: twoSteps,
  },
  {
    name: 'BatchNorm2d eval after training', seed: 55, py: 'nn.BatchNorm2d(3)', ts: () => new nn.BatchNorm2d(3),
    inputs: [{ kind: 'randn', shape: [4, 3, 2, 2] }, { kind: 'randn', shape: [2, 3, 2, 2] }],
    call_py: '(m(xs[0]), m.eval(), m(xs[1]))[2]', call_ts: (m, xs) => (m.call(xs[0]), m.eval(), m.call(xs[1])),
  },
  { name: 'BatchNorm2d eval', seed: 56, py: 'nn.BatchNorm2d(3)', ts: () => new nn.BatchNorm2d(3), inputs: [{ kind: 'randn', shape: [2, 3, 4, 4] }], eval: true },
  { name: 'BatchNorm2d affine=False', seed: 57, py: 'nn.BatchNorm2d(3, affine=False)', ts: () => new nn.BatchNorm2d(3, { affine: false }), inputs: [{ kind: 'randn', shape: [2, 3, 4, 4] }] },
  { name: 'BatchNorm2d no running stats, eval', seed: 58, py: 'nn.BatchNorm2d(3, track_running_stats=False)', ts: () => new nn.BatchNorm2d(3, { track_running_stats: false }), inputs: [{ kind: 'randn', shape: [2, 3, 4, 4] }], eval: true },
  { name: 'BatchNorm3d', seed: 59, py: 'nn.BatchNorm3d(2)', ts: () => new nn.BatchNorm3d(2), inputs: [{ kind: 'randn', shape: [2, 2, 3, 3, 3] }] },
  { name: 'LayerNorm', seed: 60, py: 'nn.LayerNorm(6)', ts: () => new nn.LayerNorm(6), inputs: [{ kind: 'randn', shape: [3, 4, 6] }] },
  { name: 'LayerNorm 2-D shape', seed: 61, py: 'nn.LayerNorm([4, 6], eps=1e-6)', ts: () => new nn.LayerNorm([4, 6], { eps: 1e-6 }), inputs: [{ kind: 'randn', shape: [3, 4, 6] }] },
  { name: 'LayerNorm no affine', seed: 62, py: 'nn.LayerNorm(5, elementwise_affine=False)', ts: () => new nn.LayerNorm(5, { elementwise_affine: false }), inputs: [{ kind: 'randn', shape: [2, 5] }] },
  { name: 'GroupNorm', seed: 63, py: 'nn.GroupNorm(2, 6)', ts: () => new nn.GroupNorm(2, 6), inputs: [{ kind: 'randn', shape: [3, 6, 4, 4] }] },
  { name: 'GroupNorm 1-D, affine=False', seed: 64, py: 'nn.GroupNorm(3, 6, affine=False)', ts: () => new nn.GroupNorm(3, 6, { affine: false }), inputs: [{ kind: 'randn', shape: [2, 6, 5] }] },
];

await parityTests('normalization', cases);
