// torch.nn.utils.parameters_to_vector / vector_to_parameters (torch/nn/utils/convert_parameters.py).
import { op } from '../../bridge.js';
import { Tensor } from '../../tensor.js';
import { pyTypeName } from '../_utils.js';

const VIEW = op('view'), CAT = op('cat'), SLICE = op('slice', 'Tensor'), DETACH = op('detach'), SET_DATA = op('set_data');

function checkParamDevice(param: Tensor, old: number | null): number {
  const dev = param.is_cuda ? param.device.index ?? 0 : -1;
  if (old === null) return dev;
  if (dev !== old) throw new TypeError('Found two parameters on different devices, this is currently not supported.');
  return old;
}

/** Flattens and concatenates the parameters into one vector (differentiable, as in PyTorch). */
export function parameters_to_vector(parameters: Iterable<Tensor>): Tensor {
  let device: number | null = null;
  const views: Tensor[] = [];
  for (const p of parameters) {
    device = checkParamDevice(p, device);
    views.push(VIEW.t(p, [-1]));
  }
  const out = CAT.t(views, 0);
  for (const v of views) v.dispose();
  return out;
}

/** Makes each parameter's data a view of the matching slice of vec (param.data = ..., as PyTorch). */
export function vector_to_parameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  if (!(vec instanceof Tensor)) throw new TypeError(`expected torch.Tensor, but got: ${pyTypeName(vec)}`);
  let device: number | null = null;
  let pointer = 0;
  for (const p of parameters) {
    device = checkParamDevice(p, device);
    const n = p.numel();
    const slice = SLICE.t(vec, 0, pointer, pointer + n, 1);
    const view = VIEW.t(slice, p.shape);
    const data = DETACH.t(view);
    SET_DATA.call(p, data);
    for (const t of [slice, view, data]) t.dispose();
    pointer += n;
  }
}
