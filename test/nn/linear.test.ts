// nn.Identity, nn.Linear, nn.Bilinear against PyTorch: default init after
// manual_seed, forward, input and parameter gradients.
import * as torch from '../../lib/index.js';
import { nn } from '../../lib/index.js';
import { parityTests, type ParityCase } from './parity.js';

const cases: ParityCase[] = [
  { name: 'Identity', seed: 1, py: 'nn.Identity(54, unused=1)', ts: () => new nn.Identity(54), inputs: [{ kind: 'randn', shape: [3, 4] }] },
  { name: 'Linear 10->20', seed: 0, py: 'nn.Linear(10, 20)', ts: () => new nn.Linear(10, 20), inputs: [{ kind: 'randn', shape: [5, 10] }] },
  { name: 'Linear no bias, 3-D input', seed: 2, py: 'nn.Linear(7, 3, bias=False)', ts: () => new nn.Linear(7, 3, { bias: false }), inputs: [{ kind: 'randn', shape: [2, 4, 7] }] },
  { name: 'Linear 1-D input', seed: 3, py: 'nn.Linear(6, 2)', ts: () => new nn.Linear(6, 2, true), inputs: [{ kind: 'randn', shape: [6] }] },
  { name: 'Linear float64', seed: 4, py: 'nn.Linear(5, 4, dtype=torch.float64)', ts: () => new nn.Linear(5, 4, { dtype: 'float64' }), inputs: [{ kind: 'randn', shape: [3, 5], dtype: 'float64' }] },
  { name: 'Linear .double()', seed: 5, py: 'nn.Linear(5, 4)', ts: () => new nn.Linear(5, 4), inputs: [{ kind: 'randn', shape: [3, 5] }], double: true },
  { name: 'Bilinear', seed: 6, py: 'nn.Bilinear(4, 5, 3)', ts: () => new nn.Bilinear(4, 5, 3), inputs: [{ kind: 'randn', shape: [6, 4] }, { kind: 'randn', shape: [6, 5] }] },
  { name: 'Bilinear no bias', seed: 7, py: 'nn.Bilinear(3, 3, 2, bias=False)', ts: () => new nn.Bilinear(3, 3, 2, false), inputs: [{ kind: 'randn', shape: [4, 3] }, { kind: 'randn', shape: [4, 3] }] },
];

void torch;
await parityTests('linear', cases);
