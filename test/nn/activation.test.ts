// Activation modules against PyTorch.
import { nn } from '../../lib/index.js';
import { parityTests, type ParityCase } from './parity.js';

const x = [{ kind: 'randn' as const, shape: [4, 7] }];
const cases: ParityCase[] = [
  { name: 'ReLU', seed: 80, py: 'nn.ReLU()', ts: () => new nn.ReLU(), inputs: x },
  { name: 'LeakyReLU', seed: 81, py: 'nn.LeakyReLU()', ts: () => new nn.LeakyReLU(), inputs: x },
  { name: 'LeakyReLU 0.2', seed: 82, py: 'nn.LeakyReLU(0.2)', ts: () => new nn.LeakyReLU(0.2), inputs: x },
  { name: 'ELU', seed: 83, py: 'nn.ELU()', ts: () => new nn.ELU(), inputs: x },
  { name: 'ELU alpha 0.5', seed: 84, py: 'nn.ELU(alpha=0.5)', ts: () => new nn.ELU({ alpha: 0.5 }), inputs: x },
  { name: 'GELU', seed: 85, py: 'nn.GELU()', ts: () => new nn.GELU(), inputs: x },
  { name: 'GELU tanh', seed: 86, py: "nn.GELU(approximate='tanh')", ts: () => new nn.GELU({ approximate: 'tanh' }), inputs: x },
  { name: 'SiLU', seed: 87, py: 'nn.SiLU()', ts: () => new nn.SiLU(), inputs: x },
  { name: 'Tanh', seed: 88, py: 'nn.Tanh()', ts: () => new nn.Tanh(), inputs: x },
  { name: 'Sigmoid', seed: 89, py: 'nn.Sigmoid()', ts: () => new nn.Sigmoid(), inputs: x },
  { name: 'Softmax dim 1', seed: 90, py: 'nn.Softmax(dim=1)', ts: () => new nn.Softmax(1), inputs: x },
  { name: 'Softmax dim 0 of 3-D', seed: 91, py: 'nn.Softmax(0)', ts: () => new nn.Softmax({ dim: 0 }), inputs: [{ kind: 'randn', shape: [3, 4, 5] }] },
  { name: 'LogSoftmax', seed: 92, py: 'nn.LogSoftmax(dim=-1)', ts: () => new nn.LogSoftmax(-1), inputs: x },
  { name: 'ReLU6', seed: 93, py: 'nn.ReLU6()', ts: () => new nn.ReLU6(), inputs: [{ kind: 'randn', shape: [20] }] },
  { name: 'Hardtanh', seed: 94, py: 'nn.Hardtanh(-0.5, 0.5)', ts: () => new nn.Hardtanh(-0.5, 0.5), inputs: x },
  { name: 'Softplus', seed: 95, py: 'nn.Softplus(beta=2, threshold=1)', ts: () => new nn.Softplus({ beta: 2, threshold: 1 }), inputs: x },
  { name: 'Mish', seed: 96, py: 'nn.Mish()', ts: () => new nn.Mish(), inputs: x },
  { name: 'Hardswish', seed: 97, py: 'nn.Hardswish()', ts: () => new nn.Hardswish(), inputs: x },
  { name: 'PReLU', seed: 98, py: 'nn.PReLU(4)', ts: () => new nn.PReLU(4), inputs: [{ kind: 'randn', shape: [2, 4, 3] }] },
  { name: 'GLU', seed: 99, py: 'nn.GLU()', ts: () => new nn.GLU(), inputs: [{ kind: 'randn', shape: [3, 8] }] },
  { name: 'ReLU inplace after Linear', seed: 100, py: 'nn.Sequential(nn.Linear(4, 5), nn.ReLU(inplace=True))', ts: () => new nn.Sequential(new nn.Linear(4, 5), new nn.ReLU(true)), inputs: [{ kind: 'randn', shape: [3, 4] }] },
];

await parityTests('activation', cases);
