// RNN, LSTM and GRU against PyTorch: parameter names and init order, layers,
// batch_first, bidirectional, given and default initial states, unbatched input.
import { nn } from '../../lib/index.js';
import { parityTests, type ParityCase } from './parity.js';

const cases: ParityCase[] = [
  { name: 'LSTM', seed: 120, py: 'nn.LSTM(4, 6)', ts: () => new nn.LSTM(4, 6), inputs: [{ kind: 'randn', shape: [5, 3, 4] }] },
  { name: 'LSTM 2 layers, batch_first, bidirectional', seed: 121, py: 'nn.LSTM(3, 5, num_layers=2, batch_first=True, bidirectional=True)', ts: () => new nn.LSTM(3, 5, { num_layers: 2, batch_first: true, bidirectional: true }), inputs: [{ kind: 'randn', shape: [2, 4, 3] }] },
  {
    name: 'LSTM with (h0, c0)', seed: 122, py: 'nn.LSTM(3, 4, 2)', ts: () => new nn.LSTM(3, 4, 2),
    inputs: [{ kind: 'randn', shape: [6, 2, 3] }, { kind: 'randn', shape: [2, 2, 4] }, { kind: 'randn', shape: [2, 2, 4] }],
    call_py: 'm(xs[0], (xs[1], xs[2]))', call_ts: (m, xs) => m.call(xs[0], [xs[1], xs[2]]),
  },
  { name: 'LSTM unbatched', seed: 123, py: 'nn.LSTM(3, 4)', ts: () => new nn.LSTM(3, 4), inputs: [{ kind: 'randn', shape: [5, 3] }] },
  { name: 'LSTM no bias, proj_size', seed: 124, py: 'nn.LSTM(3, 6, bias=False, proj_size=2)', ts: () => new nn.LSTM(3, 6, { bias: false, proj_size: 2 }), inputs: [{ kind: 'randn', shape: [4, 2, 3] }] },
  { name: 'LSTM dropout between layers (training)', seed: 125, py: 'nn.LSTM(3, 4, num_layers=3, dropout=0.5)', ts: () => new nn.LSTM(3, 4, { num_layers: 3, dropout: 0.5 }), inputs: [{ kind: 'randn', shape: [5, 2, 3] }] },
  { name: 'GRU', seed: 126, py: 'nn.GRU(4, 5)', ts: () => new nn.GRU(4, 5), inputs: [{ kind: 'randn', shape: [6, 2, 4] }] },
  { name: 'GRU 2 layers, batch_first, bidirectional', seed: 127, py: 'nn.GRU(3, 4, 2, batch_first=True, bidirectional=True)', ts: () => new nn.GRU(3, 4, 2, { batch_first: true, bidirectional: true }), inputs: [{ kind: 'randn', shape: [3, 5, 3] }] },
  {
    name: 'GRU with h0, unbatched', seed: 128, py: 'nn.GRU(3, 4)', ts: () => new nn.GRU(3, 4),
    inputs: [{ kind: 'randn', shape: [5, 3] }, { kind: 'randn', shape: [1, 4] }], call_py: 'm(xs[0], xs[1])', call_ts: (m, xs) => m.call(xs[0], xs[1]),
  },
  { name: 'RNN tanh', seed: 129, py: 'nn.RNN(3, 4, 2)', ts: () => new nn.RNN(3, 4, 2), inputs: [{ kind: 'randn', shape: [5, 2, 3] }] },
  { name: 'RNN relu bidirectional', seed: 130, py: "nn.RNN(3, 4, nonlinearity='relu', bidirectional=True)", ts: () => new nn.RNN(3, 4, { nonlinearity: 'relu', bidirectional: true }), inputs: [{ kind: 'randn', shape: [5, 2, 3] }] },
  { name: 'LSTM eval', seed: 131, py: 'nn.LSTM(3, 4, num_layers=2, dropout=0.3)', ts: () => new nn.LSTM(3, 4, { num_layers: 2, dropout: 0.3 }), inputs: [{ kind: 'randn', shape: [4, 2, 3] }], eval: true },
];

await parityTests('rnn', cases);
