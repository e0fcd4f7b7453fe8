// The activation functions Hugging Face configs name (transformers/activations.py,
// ACT2FN): config.hidden_act / config.activation_function is a string such as
// "gelu" (exact, erf) or "gelu_new" (the tanh approximation GPT-2 was trained
// with, written out as HF writes it, so results match HF's to the last bits).
import { Tensor } from '../../tensor.js';
import * as F from '../../nn/functional.js';
import { Module } from '../../nn/module.js';
import { ReLU, Sigmoid, SiLU, Tanh } from '../../nn/modules/activation.js';

const SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

/** Runs ops in order and frees every intermediate except the last result (the input is never freed). */
function chain(input: Tensor, steps: ((t: Tensor) => Tensor)[]): Tensor {
  let t = input;
  for (const step of steps) {
    const next = step(t);
    if (t !== input) t.dispose();
    t = next;
  }
  return t;
}

/** "gelu": the exact GELU, x * Φ(x) (nn.functional.gelu). */
export class GELUActivation extends Module {
  override forward(input: Tensor): Tensor {
    return F.gelu(input);
  }
}

/** "gelu_python": the exact GELU written with erf. */
export class GELUPythonActivation extends Module {
  override forward(input: Tensor): Tensor {
    return chain(input, [(x) => x.div(Math.SQRT2), (t) => t.erf(), (t) => t.add(1.0), (t) => t.mul(input), (t) => t.mul(0.5)]);
  }
}

/** "gelu_new": 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), the GELU of Google's BERT repo and OpenAI's GPT-2. */
export class NewGELUActivation extends Module {
  override forward(input: Tensor): Tensor {
    // HF's expression, op for op: 0.5 * input * (1.0 + tanh(c * (input + 0.044715 * pow(input, 3.0))))
    const half = input.mul(0.5);
    const inner = chain(input, [(x) => x.pow(3.0), (t) => t.mul(0.044715), (t) => t.add(input), (t) => t.mul(SQRT_2_OVER_PI), (t) => t.tanh(), (t) => t.add(1.0)]);
    const out = half.mul(inner);
    half.dispose();
    inner.dispose();
    return out;
  }
}

/** "gelu_pytorch_tanh": PyTorch's own tanh approximation (F.gelu approximate='tanh'). */
export class PytorchGELUTanh extends Module {
  override forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: 'tanh' });
  }
}

/** "gelu_fast": 0.5 x (1 + tanh(0.7978845608 x (1 + 0.044715 x²))). */
export class FastGELUActivation extends Module {
  override forward(input: Tensor): Tensor {
    // HF's expression, op for op: 0.5 * input * (1.0 + tanh(input * 0.7978845608 * (1.0 + 0.044715 * input * input)))
    const half = input.mul(0.5);
    const scaled = input.mul(0.7978845608);
    const poly = chain(input, [(x) => x.mul(0.044715), (t) => t.mul(input), (t) => t.add(1.0)]);
    const inner = chain(scaled, [(t) => t.mul(poly), (t) => t.tanh(), (t) => t.add(1.0)]);
    const out = half.mul(inner);
    for (const t of [half, scaled, poly, inner]) t.dispose();
    return out;
  }
}

/** "quick_gelu": x σ(1.702 x). */
export class QuickGELUActivation extends Module {
  override forward(input: Tensor): Tensor {
    return chain(input, [(x) => x.mul(1.702), (t) => t.sigmoid(), (t) => input.mul(t)]);
  }
}

/** "mish" (transformers keeps its own class; "relu", "silu", "tanh", "sigmoid" map to torch.nn's, as in ACT2CLS). */
export class MishActivation extends Module {
  override forward(input: Tensor): Tensor {
    return F.mish(input);
  }
}
/** "linear": returns its input unchanged. */
export class LinearActivation extends Module {
  override forward(input: Tensor): Tensor {
    return input;
  }
}

const ACT2CLS = {
  gelu: GELUActivation,
  gelu_new: NewGELUActivation,
  gelu_python: GELUPythonActivation,
  gelu_pytorch_tanh: PytorchGELUTanh,
  gelu_fast: FastGELUActivation,
  quick_gelu: QuickGELUActivation,
  relu: ReLU,
  silu: SiLU,
  swish: SiLU,
  tanh: Tanh,
  sigmoid: Sigmoid,
  mish: MishActivation,
  linear: LinearActivation,
} as const;

/** The activation names a config may use. */
export type ActivationName = keyof typeof ACT2CLS;

/** A new activation module for a config's name (transformers.activations.get_activation). */
export function get_activation(name: string): Module {
  const cls = (ACT2CLS as Record<string, new () => Module>)[name];
  if (cls === undefined) {
    throw new Error(`KeyError: function ${name} not found in ACT2FN mapping [${Object.keys(ACT2CLS).map((k) => `'${k}'`).join(', ')}]`);
  }
  return new cls();
}
