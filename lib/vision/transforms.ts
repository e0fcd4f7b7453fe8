// torchvision.transforms, the few that tensors need: ToTensor, Normalize,
// Compose, Lambda. Each is called as in Python, without `new`, and gives a
// function: transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]).
import { tensor } from '../factories.js';
import { Tensor } from '../tensor.js';

export type Transform<I = Tensor, O = Tensor> = ((input: I) => O) & { toString(): string };

function named<I, O>(fn: (input: I) => O, repr: string): Transform<I, O> {
  return Object.assign(fn, { toString: () => repr });
}

/**
 * ToTensor(): a uint8 image tensor [H, W] or [H, W, C] (or a float one) to float32
 * [C, H, W], uint8 values divided by 255, as torchvision's ToTensor does for PIL images
 * and numpy arrays.
 */
export function ToTensor(): Transform<Tensor, Tensor> {
  return named((img: Tensor) => {
    if (!(img instanceof Tensor)) throw new TypeError(`pic should be a Tensor image [H, W] or [H, W, C]. Got ${typeof img}`);
    const d = img.dim();
    if (d !== 2 && d !== 3) throw new Error(`ValueError: pic should be 2/3 dimensional. Got ${d} dimensions.`);
    if (d === 2 && img.dtype === 'uint8') {
      // The common case (a greyscale dataset image), once per sample in a DataLoader: the division
      // makes the new tensor and the channel dimension is added to it in place, so one tensor
      // handle is made instead of two (a view, then the quotient).
      return img.div(255).unsqueeze_(0);
    }
    const chw = d === 2 ? img.unsqueeze(0) : img.permute(2, 0, 1);
    // uint8 / 255 is a true division: float32, as torchvision's img.float().div(255).
    const out = img.dtype === 'uint8' ? chw.div(255) : img.is_floating_point() ? chw.contiguous() : chw.to('float32');
    chw.dispose();
    return out;
  }, 'ToTensor()');
}

/** Normalize(mean, std): (x - mean[c]) / std[c] for each channel c of a float tensor [..., C, H, W]. */
export function Normalize(mean: readonly number[], std: readonly number[], inplace = false): Transform<Tensor, Tensor> {
  if (std.some((s) => s === 0)) throw new Error(`ValueError: std evaluated to zero after conversion to torch.float32, leading to division by zero.`);
  return named((x: Tensor) => {
    if (!x.is_floating_point()) throw new TypeError(`Input tensor should be a float tensor. Got ${x.dtype}.`);
    if (x.dim() < 3) throw new Error(`ValueError: Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = [${x.shape.join(', ')}]`);
    if (mean.length === 1 && std.length === 1) {
      // One channel: scalars, no temporary tensors.
      return inplace ? x.sub_(mean[0]!).div_(std[0]!) : x.sub(mean[0]!).div_(std[0]!);
    }
    const m = tensor([...mean], { dtype: x.dtype });
    const s = tensor([...std], { dtype: x.dtype });
    const m3 = m.view(-1, 1, 1);
    const s3 = s.view(-1, 1, 1);
    const out = inplace ? x.sub_(m3).div_(s3) : x.sub(m3).div_(s3);
    for (const t of [m, s, m3, s3]) t.dispose();
    return out;
  }, `Normalize(mean=${pyList(mean)}, std=${pyList(std)})`);
}

/** Compose([t1, t2, ...]): applies them in order, freeing the intermediate tensors. */
export function Compose(transforms: readonly ((x: any) => any)[]): Transform<any, any> {
  return named((x: unknown) => {
    let v = x;
    for (const t of transforms) {
      const next = t(v);
      if (v !== x && v !== next && v instanceof Tensor) v.dispose();
      v = next;
    }
    return v;
  }, `Compose(\n${transforms.map((t) => `    ${String(t)}`).join('\n')}\n)`);
}

/** Lambda(fn): a user function as a transform. */
export function Lambda<I, O>(fn: (x: I) => O): Transform<I, O> {
  return named(fn, 'Lambda()');
}

function pyList(v: readonly number[]): string {
  return `[${v.map((x) => (Number.isInteger(x) ? `${x}.0` : String(x))).join(', ')}]`;
}
