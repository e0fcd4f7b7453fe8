// Pooling against PyTorch: forward and input gradients.
import { nn } from '../../lib/index.js';
import { parityTests, type ParityCase } from './parity.js';

const cases: ParityCase[] = [
  { name: 'MaxPool1d', seed: 30, py: 'nn.MaxPool1d(3, stride=2, padding=1)', ts: () => new nn.MaxPool1d(3, { stride: 2, padding: 1 }), inputs: [{ kind: 'randn', shape: [2, 3, 10] }] },
  { name: 'MaxPool1d dilation ceil_mode', seed: 31, py: 'nn.MaxPool1d(2, 2, 0, 2, ceil_mode=True)', ts: () => new nn.MaxPool1d(2, 2, 0, 2, false, true), inputs: [{ kind: 'randn', shape: [1, 2, 11] }] },
  { name: 'MaxPool2d', seed: 32, py: 'nn.MaxPool2d(2)', ts: () => new nn.MaxPool2d(2), inputs: [{ kind: 'randn', shape: [2, 3, 6, 6] }] },
  { name: 'MaxPool2d return_indices', seed: 33, py: 'nn.MaxPool2d((3, 2), stride=(2, 1), padding=1, return_indices=True)', ts: () => new nn.MaxPool2d([3, 2], { stride: [2, 1], padding: 1, return_indices: true }), inputs: [{ kind: 'randn', shape: [1, 2, 7, 5] }] },
  { name: 'AvgPool1d', seed: 34, py: 'nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False)', ts: () => new nn.AvgPool1d(3, { stride: 2, padding: 1, count_include_pad: false }), inputs: [{ kind: 'randn', shape: [2, 3, 9] }] },
  { name: 'AvgPool2d', seed: 35, py: 'nn.AvgPool2d(2)', ts: () => new nn.AvgPool2d(2), inputs: [{ kind: 'randn', shape: [2, 3, 6, 7] }] },
  { name: 'AvgPool2d ceil_mode divisor_override', seed: 36, py: 'nn.AvgPool2d(3, 2, 1, True, True, 5)', ts: () => new nn.AvgPool2d(3, 2, 1, true, true, 5), inputs: [{ kind: 'randn', shape: [1, 2, 8, 8] }] },
  { name: 'AdaptiveAvgPool1d', seed: 37, py: 'nn.AdaptiveAvgPool1d(4)', ts: () => new nn.AdaptiveAvgPool1d(4), inputs: [{ kind: 'randn', shape: [2, 3, 10] }] },
  { name: 'AdaptiveAvgPool2d', seed: 38, py: 'nn.AdaptiveAvgPool2d((1, 1))', ts: () => new nn.AdaptiveAvgPool2d([1, 1]), inputs: [{ kind: 'randn', shape: [2, 3, 7, 7] }] },
  { name: 'AdaptiveAvgPool2d None', seed: 39, py: 'nn.AdaptiveAvgPool2d((3, None))', ts: () => new nn.AdaptiveAvgPool2d([3, null]), inputs: [{ kind: 'randn', shape: [2, 3, 7, 5] }] },
  { name: 'AdaptiveMaxPool2d indices', seed: 40, py: 'nn.AdaptiveMaxPool2d(3, return_indices=True)', ts: () => new nn.AdaptiveMaxPool2d(3, true), inputs: [{ kind: 'randn', shape: [1, 2, 7, 8] }] },
];

await parityTests('pooling', cases);
