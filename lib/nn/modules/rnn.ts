// nn.RNN, nn.LSTM, nn.GRU (torch/nn/modules/rnn.py): the weights registered
// as Python names them (weight_ih_l0, ..., *_reverse), initialised in that
// order, and the fused ATen kernels (aten::lstm etc.) doing the work.
import { op } from '../../bridge.js';
import { zeros } from '../../factories.js';
import type { Tensor } from '../../tensor.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type FactoryKwargs, parseArgs, py, pyf } from '../_utils.js';
import { emptyParameter } from './_common.js';

const LSTM_OP = op('lstm', 'input'), GRU_OP = op('gru', 'input'), RNN_TANH = op('rnn_tanh', 'input'), RNN_RELU = op('rnn_relu', 'input');
const UNSQUEEZE = op('unsqueeze'), SQUEEZE = op('squeeze', 'dim');

export type RNNMode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';

export interface RNNOptions extends FactoryKwargs {
  num_layers?: number;
  bias?: boolean;
  batch_first?: boolean;
  dropout?: number;
  bidirectional?: boolean;
  proj_size?: number;
  nonlinearity?: 'tanh' | 'relu';
}

/** RNNBase: parameters for every layer and direction, and the shape checks. */
export abstract class RNNBase extends Module {
  declare mode: RNNMode;
  declare input_size: number;
  declare hidden_size: number;
  declare num_layers: number;
  declare bias: boolean;
  declare batch_first: boolean;
  declare dropout: number;
  declare bidirectional: boolean;
  declare proj_size: number;
  declare _flat_weights_names: string[];
  declare _all_weights: string[][];

  constructor(mode: RNNMode, input_size: number, hidden_size: number, o: RNNOptions) {
    super();
    const numLayers = o.num_layers ?? 1;
    const bias = o.bias ?? true;
    const dropout = o.dropout ?? 0.0;
    const bidirectional = o.bidirectional ?? false;
    const projSize = o.proj_size ?? 0;
    this.mode = mode;
    this.input_size = input_size;
    this.hidden_size = hidden_size;
    this.num_layers = numLayers;
    this.bias = bias;
    this.batch_first = o.batch_first ?? false;
    this.dropout = dropout;
    this.bidirectional = bidirectional;
    this.proj_size = projSize;
    const numDirections = bidirectional ? 2 : 1;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
      throw new Error('ValueError: dropout should be a number in range [0, 1] representing the probability of an element being zeroed');
    }
    if (dropout > 0 && numLayers === 1) {
      process.emitWarning(
        `dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=${pyf(dropout)} and num_layers=${numLayers}`,
        'UserWarning',
      );
    }
    if (projSize < 0) throw new Error('ValueError: proj_size should be a positive integer or zero to disable projections');
    if (projSize >= hidden_size) throw new Error('ValueError: proj_size has to be smaller than hidden_size');
    const gateSize = mode === 'LSTM' ? 4 * hidden_size : mode === 'GRU' ? 3 * hidden_size : hidden_size;
    this._flat_weights_names = [];
    this._all_weights = [];
    for (let layer = 0; layer < numLayers; layer++) {
      for (let direction = 0; direction < numDirections; direction++) {
        const realHidden = projSize > 0 ? projSize : hidden_size;
        const layerInput = layer === 0 ? input_size : realHidden * numDirections;
        const params: Parameter[] = [
          emptyParameter([gateSize, layerInput], o),
          emptyParameter([gateSize, realHidden], o),
        ];
        const suffix = direction === 1 ? '_reverse' : '';
        const names = [`weight_ih_l${layer}${suffix}`, `weight_hh_l${layer}${suffix}`];
        if (bias) {
          params.push(emptyParameter([gateSize], o), emptyParameter([gateSize], o));
          names.push(`bias_ih_l${layer}${suffix}`, `bias_hh_l${layer}${suffix}`);
        }
        if (projSize > 0) {
          params.push(emptyParameter([projSize, hidden_size], o));
          names.push(`weight_hr_l${layer}${suffix}`);
        }
        names.forEach((n, i) => {
          (this as unknown as Record<string, Parameter>)[n] = params[i]!;
        });
        this._flat_weights_names.push(...names);
        this._all_weights.push(names);
      }
    }
    this.reset_parameters();
  }

  /** The weights in the order the ATen kernels take them. */
  get _flat_weights(): (Parameter | null)[] {
    return this._flat_weights_names.map((n) => this._parameters.get(n) ?? null);
  }
  get all_weights(): Parameter[][] {
    return this._all_weights.map((names) => names.map((n) => this._parameters.get(n)!));
  }

  /** A no-op on CPU (cuDNN packs weights; this build has none). */
  flatten_parameters(): void {}

  reset_parameters(): void {
    const stdv = this.hidden_size > 0 ? 1.0 / Math.sqrt(this.hidden_size) : 0;
    for (const w of this.parameters()) init.uniform_(w, -stdv, stdv);
  }

  check_input(input: Tensor): void {
    if (input.dim() !== 3) throw new Error(`input must have 3 dimensions, got ${input.dim()}`);
    if (this.input_size !== input.size(-1)) {
      throw new Error(`input.size(-1) must be equal to input_size. Expected ${this.input_size}, got ${input.size(-1)}`);
    }
  }

  get_expected_hidden_size(input: Tensor): number[] {
    const miniBatch = this.batch_first ? input.size(0) : input.size(1);
    const dirs = this.bidirectional ? 2 : 1;
    return [this.num_layers * dirs, miniBatch, this.proj_size > 0 ? this.proj_size : this.hidden_size];
  }

  check_hidden_size(hx: Tensor, expected: number[], msg = 'Expected hidden size {}, got {}'): void {
    const s = hx.shape;
    if (s.length !== expected.length || s.some((v, i) => v !== expected[i])) {
      throw new Error(msg.replace('{}', `(${expected.join(', ')})`).replace('{}', `[${s.join(', ')}]`));
    }
  }

  override extra_repr(): string {
    let s = `${this.input_size}, ${this.hidden_size}`;
    if (this.proj_size !== 0) s += `, proj_size=${this.proj_size}`;
    if (this.num_layers !== 1) s += `, num_layers=${this.num_layers}`;
    if (this.bias !== true) s += `, bias=${py(this.bias)}`;
    if (this.batch_first !== false) s += `, batch_first=${py(this.batch_first)}`;
    if (this.dropout !== 0) s += `, dropout=${pyf(this.dropout)}`;
    if (this.bidirectional !== false) s += `, bidirectional=${py(this.bidirectional)}`;
    return s;
  }

  /** Unbatched (L, H_in) input -> batched, the default zero state, and the kernel call. */
  protected prepare(input: Tensor): { input: Tensor; isBatched: boolean; batchDim: number; made: Tensor[] } {
    const isBatched = input.dim() === 3;
    const batchDim = this.batch_first ? 0 : 1;
    const made: Tensor[] = [];
    if (!isBatched) {
      input = UNSQUEEZE.t(input, batchDim);
      made.push(input);
    }
    return { input, isBatched, batchDim, made };
  }
}

const RNN_ARG_NAMES = ['num_layers', 'bias', 'batch_first', 'dropout', 'bidirectional'] as const;
type RNNPos = [num_layers: number, bias: boolean, batch_first: boolean, dropout: number, bidirectional: boolean];
type RNNArgs<K> = import('../_utils.js').Args<RNNPos, K>;

function zerosState(n: number, batch: number, hidden: number, like: Tensor): Tensor {
  return zeros([n, batch, hidden], { dtype: like.dtype, device: like.device });
}

/** Elman RNN with tanh or ReLU. forward(input, hx?) -> [output, h_n]. */
export class RNN extends RNNBase {
  declare nonlinearity: 'tanh' | 'relu';
  constructor(input_size: number, hidden_size: number, ...args: RNNArgs<Omit<RNNOptions, 'proj_size'>>) {
    const o = parseArgs<RNNOptions>('RNN', args, [...RNN_ARG_NAMES], ['nonlinearity', 'device', 'dtype', 'proj_size']);
    if (o.proj_size !== undefined) throw new Error('ValueError: proj_size argument is only supported for LSTM, not RNN or GRU');
    const nl = o.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new Error(`ValueError: Unknown nonlinearity '${String(nl)}'`);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', input_size, hidden_size, o);
    this.nonlinearity = nl;
  }

  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const p = this.prepare(input);
    const made = p.made;
    let h = hx ?? null;
    if (!p.isBatched && h !== null) {
      if (h.dim() !== 2) throw new Error(`For unbatched 2-D input, hx should also be 2-D but got ${h.dim()}-D tensor`);
      h = UNSQUEEZE.t(h, 1);
      made.push(h);
    } else if (p.isBatched && h !== null && h.dim() !== 3) {
      throw new Error(`For batched 3-D input, hx should also be 3-D but got ${h.dim()}-D tensor`);
    }
    const maxBatch = this.batch_first ? p.input.size(0) : p.input.size(1);
    if (h === null) {
      h = zerosState(this.num_layers * (this.bidirectional ? 2 : 1), maxBatch, this.hidden_size, p.input);
      made.push(h);
    }
    this.check_input(p.input);
    this.check_hidden_size(h, this.get_expected_hidden_size(p.input));
    const f = this.mode === 'RNN_TANH' ? RNN_TANH : RNN_RELU;
    let [output, hidden] = f.call(p.input, h, this._flat_weights, this.bias, this.num_layers, this.dropout, this.training, this.bidirectional, this.batch_first) as [Tensor, Tensor];
    if (!p.isBatched) {
      const o2 = SQUEEZE.t(output, p.batchDim), h2 = SQUEEZE.t(hidden, 1);
      output.dispose();
      hidden.dispose();
      [output, hidden] = [o2, h2];
    }
    for (const t of made) t.dispose();
    return [output, hidden];
  }
}

/** LSTM. forward(input, [h_0, c_0]?) -> [output, [h_n, c_n]]. */
export class LSTM extends RNNBase {
  constructor(input_size: number, hidden_size: number, ...args: RNNArgs<Omit<RNNOptions, 'nonlinearity'>>) {
    const o = parseArgs<RNNOptions>('LSTM', args, [...RNN_ARG_NAMES], ['proj_size', 'device', 'dtype']);
    super('LSTM', input_size, hidden_size, o);
  }

  get_expected_cell_size(input: Tensor): number[] {
    const miniBatch = this.batch_first ? input.size(0) : input.size(1);
    return [this.num_layers * (this.bidirectional ? 2 : 1), miniBatch, this.hidden_size];
  }

  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const p = this.prepare(input);
    const made = p.made;
    const maxBatch = this.batch_first ? p.input.size(0) : p.input.size(1);
    let h: Tensor, c: Tensor;
    if (hx === null || hx === undefined) {
      const dirs = this.bidirectional ? 2 : 1;
      const realHidden = this.proj_size > 0 ? this.proj_size : this.hidden_size;
      h = zerosState(this.num_layers * dirs, maxBatch, realHidden, p.input);
      c = zerosState(this.num_layers * dirs, maxBatch, this.hidden_size, p.input);
      made.push(h, c);
    } else {
      [h, c] = hx;
      if (p.isBatched) {
        if (h.dim() !== 3 || c.dim() !== 3) {
          throw new Error(`For batched 3-D input, hx and cx should also be 3-D but got (${h.dim()}-D, ${c.dim()}-D) tensors`);
        }
      } else {
        if (h.dim() !== 2 || c.dim() !== 2) {
          throw new Error(`For unbatched 2-D input, hx and cx should also be 2-D but got (${h.dim()}-D, ${c.dim()}-D) tensors`);
        }
        h = UNSQUEEZE.t(h, 1);
        c = UNSQUEEZE.t(c, 1);
        made.push(h, c);
      }
    }
    this.check_input(p.input);
    this.check_hidden_size(h, this.get_expected_hidden_size(p.input), 'Expected hidden[0] size {}, got {}');
    this.check_hidden_size(c, this.get_expected_cell_size(p.input), 'Expected hidden[1] size {}, got {}');
    let [output, hn, cn] = LSTM_OP.call(p.input, [h, c], this._flat_weights, this.bias, this.num_layers, this.dropout, this.training, this.bidirectional, this.batch_first) as [Tensor, Tensor, Tensor];
    if (!p.isBatched) {
      const o2 = SQUEEZE.t(output, p.batchDim), h2 = SQUEEZE.t(hn, 1), c2 = SQUEEZE.t(cn, 1);
      for (const t of [output, hn, cn]) t.dispose();
      [output, hn, cn] = [o2, h2, c2];
    }
    for (const t of made) t.dispose();
    return [output, [hn, cn]];
  }
}

/** GRU. forward(input, h_0?) -> [output, h_n]. */
export class GRU extends RNNBase {
  constructor(input_size: number, hidden_size: number, ...args: RNNArgs<Omit<RNNOptions, 'proj_size' | 'nonlinearity'>>) {
    const o = parseArgs<RNNOptions>('GRU', args, [...RNN_ARG_NAMES], ['device', 'dtype', 'proj_size']);
    if (o.proj_size !== undefined) throw new Error('ValueError: proj_size argument is only supported for LSTM, not RNN or GRU');
    super('GRU', input_size, hidden_size, o);
  }

  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const p = this.prepare(input);
    const made = p.made;
    let h = hx ?? null;
    if (!p.isBatched && h !== null) {
      if (h.dim() !== 2) throw new Error(`For unbatched 2-D input, hx should also be 2-D but got ${h.dim()}-D tensor`);
      h = UNSQUEEZE.t(h, 1);
      made.push(h);
    } else if (p.isBatched && h !== null && h.dim() !== 3) {
      throw new Error(`For batched 3-D input, hx should also be 3-D but got ${h.dim()}-D tensor`);
    }
    const maxBatch = this.batch_first ? p.input.size(0) : p.input.size(1);
    if (h === null) {
      h = zerosState(this.num_layers * (this.bidirectional ? 2 : 1), maxBatch, this.hidden_size, p.input);
      made.push(h);
    }
    this.check_input(p.input);
    this.check_hidden_size(h, this.get_expected_hidden_size(p.input));
    let [output, hidden] = GRU_OP.call(p.input, h, this._flat_weights, this.bias, this.num_layers, this.dropout, this.training, this.bidirectional, this.batch_first) as [Tensor, Tensor];
    if (!p.isBatched) {
      const o2 = SQUEEZE.t(output, p.batchDim), h2 = SQUEEZE.t(hidden, 1);
      output.dispose();
      hidden.dispose();
      [output, hidden] = [o2, h2];
    }
    for (const t of made) t.dispose();
    return [output, hidden];
  }
}

