// torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (torch/nn/utils/clip_grad.py, 1.13).
import { no_grad } from '../../autograd/grad_mode.js';
import { op } from '../../bridge.js';
import { tensor } from '../../factories.js';
import { Tensor } from '../../tensor.js';

const NORM_DIM = op('norm', 'ScalarOpt_dim'), STACK = op('stack'), MAX = op('max'), ABS = op('abs');
const ADD_S = op('add', 'Scalar'), RDIV = op('reciprocal'), MUL_S = op('mul', 'Scalar'), CLAMP = op('clamp');
const MUL_ = op('mul_', 'Tensor'), CLAMP_ = op('clamp_'), ISNAN = op('isnan'), ISINF = op('isinf'), LOGICAL_OR = op('logical_or');
const DETACH = op('detach'), TO_DEVICE = op('to', 'device');

/** torch.norm(x, p) for a number p: _VF.norm(x, p, dim=list(range(x.dim()))). */
function norm(x: Tensor, p: number): Tensor {
  return NORM_DIM.t(x, p, [...Array(x.dim()).keys()], false);
}

function gradsOf(parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const params = parameters instanceof Tensor ? [parameters] : [...parameters];
  const grads: Tensor[] = [];
  for (const p of params) {
    const g = p.grad;
    if (g !== null) grads.push(g);
  }
  return grads;
}

export interface ClipGradNormOptions {
  norm_type?: number;
  error_if_nonfinite?: boolean;
}

/**
 * Scales the gradients in place so that their joint norm is at most max_norm;
 * returns the total norm before clipping (a new 0-dim tensor).
 */
export function clip_grad_norm_(parameters: Tensor | Iterable<Tensor>, max_norm: number, norm_type: number | ClipGradNormOptions = 2.0, error_if_nonfinite = false): Tensor {
  const o: ClipGradNormOptions = typeof norm_type === 'number' ? { norm_type, error_if_nonfinite } : norm_type;
  const normType = o.norm_type ?? 2.0;
  const grads = gradsOf(parameters);
  if (grads.length === 0) return tensor(0.0);
  const temps: Tensor[] = [];
  const t = <T extends Tensor>(x: T): T => {
    temps.push(x);
    return x;
  };
  try {
    return no_grad(() => {
      const device = grads[0]!.device.toString();
      const sameDevice = (x: Tensor): Tensor => (x.device.toString() === device ? x : t(TO_DEVICE.t(x, device, x.dtype)));
      let total: Tensor;
      if (normType === Infinity) {
        const norms = grads.map((g) => sameDevice(t(MAX.t(t(ABS.t(t(DETACH.t(g))))))));
        total = norms.length === 1 ? norms[0]! : MAX.t(t(STACK.t(norms, 0)));
        if (norms.length === 1) temps.splice(temps.indexOf(total), 1);
      } else {
        const norms = grads.map((g) => sameDevice(t(norm(t(DETACH.t(g)), normType))));
        total = norm(t(STACK.t(norms, 0)), normType);
      }
      if (o.error_if_nonfinite && t(LOGICAL_OR.t(t(ISNAN.t(total)), t(ISINF.t(total)))).item()) {
        total.dispose();
        throw new Error(
          `The total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set \`error_if_nonfinite=False\``,
        );
      }
      // clip_coef = max_norm / (total_norm + 1e-6), as Python evaluates it (float / tensor = reciprocal * float).
      const coef = t(MUL_S.t(t(RDIV.t(t(ADD_S.t(total, 1e-6)))), max_norm));
      const clamped = t(CLAMP.t(coef, null, 1.0));
      for (const g of grads) {
        const d = t(DETACH.t(g));
        MUL_.call(d, sameDevice(clamped));
      }
      return total;
    });
  } finally {
    for (const x of temps) x.dispose();
    for (const g of grads) g.dispose();
  }
}

/** Clamps every gradient to [-clip_value, clip_value] in place. */
export function clip_grad_value_(parameters: Tensor | Iterable<Tensor>, clip_value: number): void {
  const grads = gradsOf(parameters);
  no_grad(() => {
    for (const g of grads) {
      const d = DETACH.t(g);
      CLAMP_.call(d, -clip_value, clip_value);
      d.dispose();
      g.dispose();
    }
  });
}
