// Dropout against PyTorch: the same masks from the same generator, eval mode identity.
import { nn } from '../../lib/index.js';
import { parityTests, type ParityCase } from './parity.js';

const cases: ParityCase[] = [
  { name: 'Dropout', seed: 70, py: 'nn.Dropout()', ts: () => new nn.Dropout(), inputs: [{ kind: 'randn', shape: [10, 10] }] },
  { name: 'Dropout p=0.2', seed: 71, py: 'nn.Dropout(p=0.2)', ts: () => new nn.Dropout({ p: 0.2 }), inputs: [{ kind: 'randn', shape: [4, 50] }] },
  { name: 'Dropout eval', seed: 72, py: 'nn.Dropout(0.7)', ts: () => new nn.Dropout(0.7), inputs: [{ kind: 'randn', shape: [5, 5] }], eval: true },
  { name: 'Dropout p=1', seed: 73, py: 'nn.Dropout(1.0)', ts: () => new nn.Dropout(1.0), inputs: [{ kind: 'randn', shape: [3, 3] }] },
  { name: 'Dropout1d', seed: 74, py: 'nn.Dropout1d(0.5)', ts: () => new nn.Dropout1d(0.5), inputs: [{ kind: 'randn', shape: [4, 6, 5] }] },
  { name: 'Dropout2d', seed: 75, py: 'nn.Dropout2d(0.4)', ts: () => new nn.Dropout2d(0.4), inputs: [{ kind: 'randn', shape: [3, 8, 4, 4] }] },
  { name: 'Dropout2d eval', seed: 76, py: 'nn.Dropout2d()', ts: () => new nn.Dropout2d(), inputs: [{ kind: 'randn', shape: [2, 4, 3, 3] }], eval: true },
  { name: 'Dropout3d', seed: 77, py: 'nn.Dropout3d(0.5)', ts: () => new nn.Dropout3d(0.5), inputs: [{ kind: 'randn', shape: [2, 4, 2, 3, 3] }] },
  { name: 'AlphaDropout', seed: 78, py: 'nn.AlphaDropout(0.3)', ts: () => new nn.AlphaDropout(0.3), inputs: [{ kind: 'randn', shape: [6, 6] }] },
];

await parityTests('dropout', cases);
