// Losses against PyTorch, each reduction, with class weights, ignore_index,
// label smoothing, probability targets, pos_weight, log targets.
import * as torch from '../../lib/index.js';
import { nn } from '../../lib/index.js';
import { parityTests, type ParityCase } from './parity.js';

const reductions = ['mean', 'sum', 'none'] as const;
const pair = (shape: number[]) => [{ kind: 'randn' as const, shape }, { kind: 'randn' as const, shape, grad: false }];
const cases: ParityCase[] = [];
for (const r of reductions) {
  cases.push(
    { name: `MSELoss ${r}`, seed: 160, py: `nn.MSELoss(reduction='${r}')`, ts: () => new nn.MSELoss({ reduction: r }), inputs: pair([4, 5]) },
    { name: `L1Loss ${r}`, seed: 161, py: `nn.L1Loss(reduction='${r}')`, ts: () => new nn.L1Loss({ reduction: r }), inputs: pair([4, 5]) },
    { name: `SmoothL1Loss ${r}`, seed: 162, py: `nn.SmoothL1Loss(reduction='${r}', beta=0.5)`, ts: () => new nn.SmoothL1Loss({ reduction: r, beta: 0.5 }), inputs: pair([4, 5]) },
    { name: `HuberLoss ${r}`, seed: 163, py: `nn.HuberLoss(reduction='${r}', delta=0.7)`, ts: () => new nn.HuberLoss({ reduction: r, delta: 0.7 }), inputs: pair([4, 5]) },
    { name: `CrossEntropyLoss ${r}`, seed: 164, py: `nn.CrossEntropyLoss(reduction='${r}')`, ts: () => new nn.CrossEntropyLoss({ reduction: r }), inputs: [{ kind: 'randn', shape: [6, 5] }, { kind: 'randint', high: 5, shape: [6] }] },
    { name: `NLLLoss ${r}`, seed: 165, py: `nn.NLLLoss(reduction='${r}')`, ts: () => new nn.NLLLoss({ reduction: r }), inputs: [{ kind: 'log_softmax', shape: [6, 5] }, { kind: 'randint', high: 5, shape: [6] }] },
    { name: `BCELoss ${r}`, seed: 166, py: `nn.BCELoss(reduction='${r}')`, ts: () => new nn.BCELoss({ reduction: r }), inputs: [{ kind: 'rand', shape: [4, 3] }, { kind: 'rand', shape: [4, 3], grad: false }] },
    { name: `BCEWithLogitsLoss ${r}`, seed: 167, py: `nn.BCEWithLogitsLoss(reduction='${r}')`, ts: () => new nn.BCEWithLogitsLoss({ reduction: r }), inputs: [{ kind: 'randn', shape: [4, 3] }, { kind: 'rand', shape: [4, 3], grad: false }] },
    { name: `KLDivLoss ${r}`, seed: 168, py: `nn.KLDivLoss(reduction='${r}')`, ts: () => new nn.KLDivLoss({ reduction: r }), inputs: [{ kind: 'log_softmax', shape: [3, 6] }, { kind: 'softmax', shape: [3, 6], grad: false }] },
  );
}
cases.push(
  { name: 'MSELoss broadcasting target', seed: 169, py: 'nn.MSELoss()', ts: () => new nn.MSELoss(), inputs: [{ kind: 'randn', shape: [4, 5] }, { kind: 'randn', shape: [5], grad: false }] },
  {
    name: 'CrossEntropyLoss weight, ignore_index, label_smoothing', seed: 170,
    py: 'nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5, 1.5]), ignore_index=1, label_smoothing=0.1)',
    ts: () => new nn.CrossEntropyLoss({ weight: torch.tensor([1.0, 2.0, 0.5, 1.5]), ignore_index: 1, label_smoothing: 0.1 }),
    inputs: [{ kind: 'randn', shape: [8, 4] }, { kind: 'randint', high: 4, shape: [8] }],
  },
  { name: 'CrossEntropyLoss probabilities', seed: 171, py: 'nn.CrossEntropyLoss()', ts: () => new nn.CrossEntropyLoss(), inputs: [{ kind: 'randn', shape: [5, 4] }, { kind: 'softmax', shape: [5, 4], grad: false }] },
  {
    name: 'CrossEntropyLoss probabilities, label_smoothing, weight, sum', seed: 172,
    py: "nn.CrossEntropyLoss(weight=torch.tensor([0.2, 1.0, 3.0]), label_smoothing=0.2, reduction='sum')",
    ts: () => new nn.CrossEntropyLoss({ weight: torch.tensor([0.2, 1.0, 3.0]), label_smoothing: 0.2, reduction: 'sum' }),
    inputs: [{ kind: 'randn', shape: [4, 3] }, { kind: 'softmax', shape: [4, 3], grad: false }],
  },
  { name: 'CrossEntropyLoss (N, C, d1, d2)', seed: 173, py: 'nn.CrossEntropyLoss()', ts: () => new nn.CrossEntropyLoss(), inputs: [{ kind: 'randn', shape: [2, 3, 4, 4] }, { kind: 'randint', high: 3, shape: [2, 4, 4] }] },
  { name: 'CrossEntropyLoss unbatched', seed: 174, py: 'nn.CrossEntropyLoss()', ts: () => new nn.CrossEntropyLoss(), inputs: [{ kind: 'randn', shape: [5] }, { kind: 'const', values: 3, dtype: 'int64' }] },
  {
    name: 'NLLLoss weight, ignore_index', seed: 175, py: 'nn.NLLLoss(weight=torch.tensor([1.0, 0.5, 2.0]), ignore_index=0)',
    ts: () => new nn.NLLLoss({ weight: torch.tensor([1.0, 0.5, 2.0]), ignore_index: 0 }), inputs: [{ kind: 'log_softmax', shape: [7, 3] }, { kind: 'randint', high: 3, shape: [7] }],
  },
  { name: 'BCELoss weight (broadcast)', seed: 176, py: 'nn.BCELoss(weight=torch.tensor([0.5, 1.0, 2.0]))', ts: () => new nn.BCELoss({ weight: torch.tensor([0.5, 1.0, 2.0]) }), inputs: [{ kind: 'rand', shape: [4, 3] }, { kind: 'rand', shape: [4, 3], grad: false }] },
  {
    name: 'BCEWithLogitsLoss weight, pos_weight', seed: 177,
    py: 'nn.BCEWithLogitsLoss(weight=torch.tensor([1.0, 2.0, 0.5]), pos_weight=torch.tensor([3.0, 1.0, 0.25]))',
    ts: () => new nn.BCEWithLogitsLoss({ weight: torch.tensor([1.0, 2.0, 0.5]), pos_weight: torch.tensor([3.0, 1.0, 0.25]) }),
    inputs: [{ kind: 'randn', shape: [5, 3] }, { kind: 'rand', shape: [5, 3], grad: false }],
  },
  { name: 'KLDivLoss batchmean', seed: 178, py: "nn.KLDivLoss(reduction='batchmean')", ts: () => new nn.KLDivLoss({ reduction: 'batchmean' }), inputs: [{ kind: 'log_softmax', shape: [4, 5] }, { kind: 'softmax', shape: [4, 5], grad: false }] },
  { name: 'KLDivLoss log_target', seed: 179, py: "nn.KLDivLoss(reduction='sum', log_target=True)", ts: () => new nn.KLDivLoss({ reduction: 'sum', log_target: true }), inputs: [{ kind: 'log_softmax', shape: [4, 5] }, { kind: 'log_softmax', shape: [4, 5] }] },
);

await parityTests('loss', cases);
