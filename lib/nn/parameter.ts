// nn.Parameter: a Tensor that a Module registers as a parameter.
import { inspect } from 'node:util';
import { op } from '../bridge.js';
import { native } from '../native.js';
import { reprOf, Tensor } from '../tensor.js';

const DETACH = op('detach');
const EMPTY = op('empty', 'memory_format');

export class Parameter extends Tensor {
  /**
   * Parameter(data, requires_grad = true): shares data's storage (as Python's
   * Parameter does), detached from any graph, as a leaf. Without data: an empty tensor.
   */
  constructor(data?: Tensor | null, requires_grad = true) {
    super((data ? native.opCall(DETACH.id, 0, data) : native.opCall(EMPTY.id, 0, [0])) as number);
    if (requires_grad) this.requires_grad_(true);
  }

  override toString(): string {
    return reprOf(this, true);
  }
  override [inspect.custom](): string {
    return this.isDisposed ? 'Parameter(<disposed>)' : reprOf(this, true);
  }
}
