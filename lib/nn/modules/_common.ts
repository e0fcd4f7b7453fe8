// What the layer files share: creating an uninitialised Parameter as
// Parameter(torch.empty(shape, **factory_kwargs)) does, without leaving the
// temporary handle behind.
import { empty, zeros, ones, tensor } from '../../factories.js';
import type { Tensor } from '../../tensor.js';
import { Parameter } from '../parameter.js';
import type { FactoryKwargs } from '../_utils.js';

export function emptyParameter(shape: readonly number[], factory: FactoryKwargs = {}): Parameter {
  const t = empty([...shape], { dtype: factory.dtype, device: factory.device });
  const p = new Parameter(t);
  t.dispose();
  return p;
}

export function zerosBuffer(shape: readonly number[], factory: FactoryKwargs = {}): Tensor {
  return zeros([...shape], { dtype: factory.dtype, device: factory.device });
}
export function onesBuffer(shape: readonly number[], factory: FactoryKwargs = {}): Tensor {
  return ones([...shape], { dtype: factory.dtype, device: factory.device });
}
/** torch.tensor(0, dtype=torch.long) on the factory's device. */
export function longScalar(value: number, factory: FactoryKwargs = {}): Tensor {
  const t = tensor(value, { dtype: 'int64' });
  if (factory.device === undefined || String(factory.device) === 'cpu') return t;
  const moved = t.to(String(factory.device));
  t.dispose();
  return moved;
}
