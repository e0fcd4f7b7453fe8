// The additive attention masks HF builds: 1 keeps a position, 0 masks it, turned
// into 0 / torch.finfo(dtype).min added to the attention scores before softmax.
import { full } from '../../factories.js';
import type { dtype } from '../../dtype.js';
import type { Tensor } from '../../tensor.js';

const FINFO_MIN: Partial<Record<dtype, number>> = {
  float32: -3.4028234663852886e38,
  float64: -1.7976931348623157e308,
  float16: -65504,
  bfloat16: -3.3895313892515355e38,
};

/** torch.finfo(dtype).min for the floating dtypes models run in. */
export function finfo_min(dt: dtype): number {
  const v = FINFO_MIN[dt];
  if (v === undefined) throw new TypeError(`torch.finfo: expected a floating point dtype, got ${dt}`);
  return v;
}

/** A 0-dim tensor holding finfo(dtype).min, on the given tensor's device. */
export function min_value_like(t: Tensor): Tensor {
  return full([], finfo_min(t.dtype), { dtype: t.dtype, device: t.device });
}

/**
 * get_extended_attention_mask for an encoder: a (batch, seq) or (batch, from, to) mask
 * of 1 / 0 becomes (batch, 1, 1, seq) or (batch, 1, from, to) of 0 / finfo(dtype).min.
 */
export function extended_attention_mask(mask: Tensor, dt: dtype): Tensor {
  let ext: Tensor;
  if (mask.dim() === 3) ext = mask.unsqueeze(1);
  else if (mask.dim() === 2) ext = mask.view(mask.size(0), 1, 1, mask.size(1));
  else throw new Error(`Wrong shape for input_ids (shape ${JSON.stringify(mask.shape)}) or attention_mask (shape ${JSON.stringify(mask.shape)})`);
  const asDtype = ext.to(dt);
  ext.dispose();
  // (1.0 - mask) * finfo.min
  const inv = asDtype.neg();
  asDtype.dispose();
  const one = inv.add(1.0);
  inv.dispose();
  const out = one.mul(finfo_min(dt));
  one.dispose();
  return out;
}
