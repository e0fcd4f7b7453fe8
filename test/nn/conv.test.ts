// Convolutions against PyTorch: default init, forward, gradients.
import { nn } from '../../lib/index.js';
import { parityTests, type ParityCase } from './parity.js';

const cases: ParityCase[] = [
  { name: 'Conv1d', seed: 10, py: 'nn.Conv1d(3, 5, 3)', ts: () => new nn.Conv1d(3, 5, 3), inputs: [{ kind: 'randn', shape: [2, 3, 9] }] },
  { name: 'Conv1d stride, padding, dilation, groups', seed: 11, py: 'nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2)', ts: () => new nn.Conv1d(4, 6, 3, { stride: 2, padding: 2, dilation: 2, groups: 2 }), inputs: [{ kind: 'randn', shape: [2, 4, 11] }] },
  { name: 'Conv1d unbatched, padding same, reflect', seed: 12, py: "nn.Conv1d(2, 3, 4, padding='same', padding_mode='reflect')", ts: () => new nn.Conv1d(2, 3, 4, { padding: 'same', padding_mode: 'reflect' }), inputs: [{ kind: 'randn', shape: [2, 10] }] },
  { name: 'Conv2d', seed: 13, py: 'nn.Conv2d(3, 4, 3)', ts: () => new nn.Conv2d(3, 4, 3), inputs: [{ kind: 'randn', shape: [2, 3, 7, 6] }] },
  { name: 'Conv2d positional args, no bias', seed: 14, py: 'nn.Conv2d(3, 8, (3, 2), (2, 1), (1, 0), 1, 1, False)', ts: () => new nn.Conv2d(3, 8, [3, 2], [2, 1], [1, 0], 1, 1, false), inputs: [{ kind: 'randn', shape: [2, 3, 8, 8] }] },
  { name: 'Conv2d depthwise circular', seed: 15, py: "nn.Conv2d(4, 4, 3, padding=1, groups=4, padding_mode='circular')", ts: () => new nn.Conv2d(4, 4, 3, { padding: 1, groups: 4, padding_mode: 'circular' }), inputs: [{ kind: 'randn', shape: [1, 4, 5, 5] }] },
  { name: 'Conv2d padding valid, replicate', seed: 16, py: "nn.Conv2d(2, 3, 3, padding=2, padding_mode='replicate')", ts: () => new nn.Conv2d(2, 3, 3, { padding: 2, padding_mode: 'replicate' }), inputs: [{ kind: 'randn', shape: [1, 2, 4, 5] }] },
  { name: 'Conv3d', seed: 17, py: 'nn.Conv3d(2, 3, (2, 3, 3), stride=(1, 2, 1), padding=1)', ts: () => new nn.Conv3d(2, 3, [2, 3, 3], { stride: [1, 2, 1], padding: 1 }), inputs: [{ kind: 'randn', shape: [2, 2, 4, 5, 5] }] },
  { name: 'ConvTranspose1d', seed: 18, py: 'nn.ConvTranspose1d(3, 2, 3, stride=2, padding=1, output_padding=1)', ts: () => new nn.ConvTranspose1d(3, 2, 3, { stride: 2, padding: 1, output_padding: 1 }), inputs: [{ kind: 'randn', shape: [2, 3, 6] }] },
  { name: 'ConvTranspose2d', seed: 19, py: 'nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, dilation=1)', ts: () => new nn.ConvTranspose2d(4, 6, 3, { stride: 2, groups: 2 }), inputs: [{ kind: 'randn', shape: [2, 4, 5, 5] }] },
  {
    name: 'ConvTranspose2d output_size', seed: 20, py: 'nn.ConvTranspose2d(3, 3, 3, stride=2, padding=1)', ts: () => new nn.ConvTranspose2d(3, 3, 3, { stride: 2, padding: 1 }),
    inputs: [{ kind: 'randn', shape: [1, 3, 4, 4] }], call_py: 'm(xs[0], output_size=[8, 8])', call_ts: (m, xs) => m.call(xs[0], [8, 8]),
  },
  { name: 'ConvTranspose2d no bias', seed: 21, py: 'nn.ConvTranspose2d(2, 3, (2, 3), bias=False)', ts: () => new nn.ConvTranspose2d(2, 3, [2, 3], { bias: false }), inputs: [{ kind: 'randn', shape: [2, 2, 3, 4] }] },
];

await parityTests('conv', cases);
