// nn.functional calls against PyTorch, where they are not already exercised
// through a layer: keyword and positional forms, implicit softmax dims,
// padding modes, normalize, one_hot, distances, functional losses.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn } from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { parityTests, type ParityCase } from './parity.js';

const F = nn.functional;
class Fn extends nn.Module {
  constructor(private readonly f: (...xs: Tensor[]) => unknown) {
    super();
  }
  override forward(...xs: Tensor[]): unknown {
    return this.f(...xs);
  }
}
const fn = (name: string, seed: number, py: string, ts: (...xs: Tensor[]) => unknown, inputs: ParityCase['inputs']): ParityCase => ({
  name, seed, py: `Fn(${py})`, ts: () => new Fn(ts), inputs,
});
const x45 = [{ kind: 'randn' as const, shape: [4, 5] }];

const cases: ParityCase[] = [
  fn('softmax implicit dim (2-D)', 200, 'lambda x: F.softmax(x)', (x) => F.softmax(x), x45),
  fn('log_softmax implicit dim (3-D)', 201, 'lambda x: F.log_softmax(x)', (x) => F.log_softmax(x), [{ kind: 'randn', shape: [2, 3, 4] }]),
  fn('softmax dtype float64', 202, 'lambda x: F.softmax(x, dim=1, dtype=torch.float64)', (x) => F.softmax(x, { dim: 1, dtype: 'float64' }), x45),
  fn('softmin', 203, 'lambda x: F.softmin(x, 0)', (x) => F.softmin(x, 0), x45),
  fn('pad constant', 204, 'lambda x: F.pad(x, (1, 2, 0, 1), value=0.5)', (x) => F.pad(x, [1, 2, 0, 1], { value: 0.5 }), [{ kind: 'randn', shape: [2, 3, 4] }]),
  fn('pad reflect', 205, "lambda x: F.pad(x, (2, 1), mode='reflect')", (x) => F.pad(x, [2, 1], 'reflect'), [{ kind: 'randn', shape: [2, 3, 4] }]),
  fn('pad replicate 2-D', 206, "lambda x: F.pad(x, (1, 1, 2, 0), 'replicate')", (x) => F.pad(x, [1, 1, 2, 0], 'replicate'), [{ kind: 'randn', shape: [1, 2, 3, 4] }]),
  fn('pad circular', 207, "lambda x: F.pad(x, (1, 2), mode='circular')", (x) => F.pad(x, [1, 2], { mode: 'circular' }), [{ kind: 'randn', shape: [1, 2, 5] }]),
  fn('normalize', 208, 'lambda x: F.normalize(x, dim=0)', (x) => F.normalize(x, { dim: 0 }), x45),
  fn('normalize p=1', 209, 'lambda x: F.normalize(x, 1.0, 1)', (x) => F.normalize(x, 1, 1), x45),
  fn('cosine_similarity', 210, 'lambda a, b: F.cosine_similarity(a, b)', (a, b) => F.cosine_similarity(a!, b!), [{ kind: 'randn', shape: [3, 6] }, { kind: 'randn', shape: [3, 6] }]),
  fn('pairwise_distance', 211, 'lambda a, b: F.pairwise_distance(a, b, p=3.0, keepdim=True)', (a, b) => F.pairwise_distance(a!, b!, { p: 3, keepdim: true }), [{ kind: 'randn', shape: [3, 6] }, { kind: 'randn', shape: [3, 6] }]),
  fn('one_hot', 212, 'lambda i: F.one_hot(i, 6)', (i) => F.one_hot(i!, 6), [{ kind: 'randint', high: 6, shape: [2, 3] }]),
  fn('linear without bias', 213, 'lambda x, w: F.linear(x, w)', (x, w) => F.linear(x!, w!), [{ kind: 'randn', shape: [3, 4] }, { kind: 'randn', shape: [2, 4] }]),
  fn('conv2d keyword form', 214, 'lambda x, w, b: F.conv2d(x, w, b, padding=1, stride=2)', (x, w, b) => F.conv2d(x!, w!, b!, { padding: 1, stride: 2 }), [{ kind: 'randn', shape: [1, 2, 5, 5] }, { kind: 'randn', shape: [3, 2, 3, 3] }, { kind: 'randn', shape: [3] }]),
  fn('conv2d same padding', 215, "lambda x, w: F.conv2d(x, w, padding='same', dilation=2)", (x, w) => F.conv2d(x!, w!, { padding: 'same', dilation: 2 }), [{ kind: 'randn', shape: [1, 2, 6, 6] }, { kind: 'randn', shape: [2, 2, 3, 3] }]),
  fn('max_pool2d_with_indices', 216, 'lambda x: F.max_pool2d(x, 2, return_indices=True)', (x) => F.max_pool2d(x!, 2, { return_indices: true }), [{ kind: 'randn', shape: [1, 2, 4, 4] }]),
  fn('batch_norm functional (training, running stats)', 217, 'lambda x, m, v: F.batch_norm(x, m.detach(), v.detach().abs(), training=True)', (x, m, v) => F.batch_norm(x!, m!.detach(), v!.detach().abs(), { training: true }), [{ kind: 'randn', shape: [4, 3] }, { kind: 'randn', shape: [3], grad: false }, { kind: 'randn', shape: [3], grad: false }]),
  fn('layer_norm functional', 218, 'lambda x, w, b: F.layer_norm(x, (5,), w, b)', (x, w, b) => F.layer_norm(x!, [5], w!, b!), [{ kind: 'randn', shape: [3, 5] }, { kind: 'randn', shape: [5] }, { kind: 'randn', shape: [5] }]),
  fn('group_norm functional', 219, 'lambda x: F.group_norm(x, 2, eps=1e-3)', (x) => F.group_norm(x!, 2, { eps: 1e-3 }), [{ kind: 'randn', shape: [2, 4, 3] }]),
  fn('embedding functional with padding_idx', 220, 'lambda i, w: F.embedding(i, w, padding_idx=1)', (i, w) => F.embedding(i!, w!, { padding_idx: 1 }), [{ kind: 'randint', high: 4, shape: [5] }, { kind: 'randn', shape: [4, 3] }]),
  fn('cross_entropy positional', 221, 'lambda x, t, w: F.cross_entropy(x, t, w.detach().abs(), None, 2)', (x, t, w) => F.cross_entropy(x!, t!, w!.detach().abs(), null, 2), [{ kind: 'randn', shape: [5, 4] }, { kind: 'randint', high: 4, shape: [5] }, { kind: 'randn', shape: [4], grad: false }]),
  fn('mse_loss legacy size_average=False', 222, 'lambda a, b: F.mse_loss(a, b, size_average=False)', (a, b) => F.mse_loss(a!, b!, { size_average: false }), [{ kind: 'randn', shape: [3, 2] }, { kind: 'randn', shape: [3, 2] }]),
  fn('binary_cross_entropy_with_logits functional', 223, "lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction='sum')", (a, b) => F.binary_cross_entropy_with_logits(a!, b!, { reduction: 'sum' }), [{ kind: 'randn', shape: [3, 2] }, { kind: 'rand', shape: [3, 2], grad: false }]),
  fn('gelu, silu, elu, leaky_relu, hardtanh', 224, 'lambda x: (F.gelu(x), F.silu(x), F.elu(x, 0.5), F.leaky_relu(x, 0.3), F.hardtanh(x, -0.2, 0.4), F.relu6(x), F.selu(x), F.celu(x), F.softplus(x), F.logsigmoid(x), F.tanhshrink(x), F.softsign(x), F.hardshrink(x), F.softshrink(x, 0.2), F.hardsigmoid(x), F.mish(x), F.hardswish(x), F.threshold(x, 0.1, -1.0))',
    (x) => [F.gelu(x!), F.silu(x!), F.elu(x!, 0.5), F.leaky_relu(x!, 0.3), F.hardtanh(x!, -0.2, 0.4), F.relu6(x!), F.selu(x!), F.celu(x!), F.softplus(x!), F.logsigmoid(x!), F.tanhshrink(x!), F.softsign(x!), F.hardshrink(x!), F.softshrink(x!, 0.2), F.hardsigmoid(x!), F.mish(x!), F.hardswish(x!), F.threshold(x!, 0.1, -1.0)], x45),
  fn('dropout functional (training default)', 225, 'lambda x: F.dropout(x, 0.3)', (x) => F.dropout(x!, 0.3), x45),
  fn('dropout functional training=False', 226, 'lambda x: F.dropout(x, p=0.3, training=False)', (x) => F.dropout(x!, { p: 0.3, training: false }), x45),
  fn('adaptive_max_pool1d', 227, 'lambda x: F.adaptive_max_pool1d(x, 3)', (x) => F.adaptive_max_pool1d(x!, 3), [{ kind: 'randn', shape: [2, 3, 8] }]),
  fn('avg_pool2d count_include_pad False', 228, 'lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)', (x) => F.avg_pool2d(x!, 3, { stride: 2, padding: 1, count_include_pad: false }), [{ kind: 'randn', shape: [1, 2, 5, 5] }]),
];

await parityTests('functional', cases);

describe('nn.functional argument handling', () => {
  it('rejects unknown and duplicated keyword arguments as Python does', () => {
    const x = torch.randn([2, 3]);
    expect(() => F.softmax(x, 1, { dim: 1 } as never)).toThrow("softmax() got multiple values for argument 'dim'");
    expect(() => F.dropout(x, { q: 0.1 } as never)).toThrow("dropout() got an unexpected keyword argument 'q'");
    expect(() => F.dropout(x, 1.5)).toThrow('dropout probability has to be between 0 and 1, but got 1.5');
    expect(() => F.mse_loss(x, x, { reduction: 'avg' as never })).toThrow('avg is not a valid value for reduction');
  });
});
