// torchvision.datasets.MNIST and FashionMNIST: the IDX files (gzipped or not),
// read into a uint8 tensor `data` [N, 28, 28] and an int64 tensor `targets` [N].
// get(i) gives [image, target] as torchvision does, the image as a uint8 tensor
// [28, 28] (torchvision gives a PIL image; transforms.ToTensor() turns either
// into float [1, 28, 28] in [0, 1]).
//
// Where the files are looked for: root itself, then root/<ClassName>/raw
// (torchvision's layout); without root, $TORCH_NODE_FASHION_MNIST (or
// $TORCH_NODE_MNIST), then Debian's dataset packages
// (/usr/share/datasets/fashion-mnist from `apt-get install dataset-fashion-mnist`).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { dtype } from '../../dtype.js';
import { tensor } from '../../factories.js';
import { select_copy } from '../../generated/functions.js';
import type { Tensor } from '../../tensor.js';
import { Dataset } from '../../utils/data/dataset.js';

export interface MNISTOptions<I = Tensor, L = number> {
  /** The 60,000 training images (default) or the 10,000 test images. */
  train?: boolean;
  /** Applied to each image (a uint8 tensor [28, 28]) in get(). */
  transform?: ((img: Tensor) => I) | null;
  /** Applied to each label (a number) in get(). */
  target_transform?: ((target: number) => L) | null;
  /** Nothing can be downloaded here: true is refused with a hint. */
  download?: boolean;
}

const IDX_TYPES: Record<number, { dtype: dtype; size: number; read: (v: DataView, o: number) => number }> = {
  0x08: { dtype: 'uint8', size: 1, read: (v, o) => v.getUint8(o) },
  0x09: { dtype: 'int8', size: 1, read: (v, o) => v.getInt8(o) },
  0x0b: { dtype: 'int16', size: 2, read: (v, o) => v.getInt16(o, false) },
  0x0c: { dtype: 'int32', size: 4, read: (v, o) => v.getInt32(o, false) },
  0x0d: { dtype: 'float32', size: 4, read: (v, o) => v.getFloat32(o, false) },
  0x0e: { dtype: 'float64', size: 8, read: (v, o) => v.getFloat64(o, false) },
};

/**
 * Reads an IDX file (LeCun's format, as torchvision's read_sn3_pascalvincent_tensor):
 * a 4-byte magic (0, 0, type, ndim), ndim big-endian int32 sizes, then the values,
 * big-endian. A .gz file (or any file starting with gzip's magic) is decompressed first.
 */
export function read_idx(path: string): Tensor {
  let buf = readFileSync(path);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new Error(`${path}: not an IDX file (bad magic number)`);
  const type = IDX_TYPES[buf[2]!];
  if (!type) throw new Error(`${path}: unknown IDX data type 0x${buf[2]!.toString(16)}`);
  const ndim = buf[3]!;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getInt32(4 + 4 * d, false));
  const offset = 4 + 4 * ndim;
  const numel = shape.reduce((a, b) => a * b, 1);
  if (buf.length < offset + numel * type.size) {
    throw new Error(`${path}: truncated IDX file (${buf.length} bytes, the header promises ${offset + numel * type.size})`);
  }
  let flat: Tensor;
  if (type.size === 1 && type.dtype === 'uint8') {
    flat = tensor(new Uint8Array(buf.buffer, buf.byteOffset + offset, numel));
  } else {
    const values = new Float64Array(numel);
    for (let i = 0; i < numel; i++) values[i] = type.read(view, offset + i * type.size);
    flat = tensor(values, { dtype: type.dtype });
  }
  const shaped = flat.reshape(shape);
  flat.dispose();
  return shaped;
}

/** The first of name, name.gz in the folders that exists. */
function findFile(folders: readonly string[], name: string): string | null {
  for (const f of folders) {
    for (const candidate of [join(f, name), join(f, `${name}.gz`)]) if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** torchvision.datasets.MNIST: handwritten digits, 60,000 training and 10,000 test images. */
export class MNIST<I = Tensor, L = number> extends Dataset<[I, L]> {
  static classes = ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine'];
  /** Environment variable naming the folder of the files. */
  protected static envVar = 'TORCH_NODE_MNIST';
  /** Where Debian's dataset package installs the files. */
  protected static systemFolders: string[] = ['/usr/share/datasets/mnist'];

  readonly root: string;
  readonly train: boolean;
  readonly transform: ((img: Tensor) => I) | null;
  readonly target_transform: ((target: number) => L) | null;
  /** uint8 [N, 28, 28] */
  readonly data: Tensor;
  /** int64 [N] */
  readonly targets: Tensor;
  /** The labels as numbers (so get() needs no tensor read for them). */
  private readonly labels: Int32Array;

  constructor(root?: string | null, options: MNISTOptions<I, L> = {}) {
    super();
    const ctor = this.constructor as typeof MNIST;
    if (options.download) {
      throw new Error(`${ctor.name}: download is not supported (no network): install the files (Debian: apt-get install dataset-fashion-mnist) or pass the folder that holds them as root`);
    }
    this.train = options.train ?? true;
    this.transform = options.transform ?? null;
    this.target_transform = options.target_transform ?? null;
    const folders: string[] = [];
    if (root) folders.push(root, join(root, ctor.name, 'raw'));
    else {
      const env = process.env[ctor.envVar];
      if (env) folders.push(env, join(env, ctor.name, 'raw'));
      folders.push(...ctor.systemFolders);
    }
    const prefix = this.train ? 'train' : 't10k';
    const images = findFile(folders, `${prefix}-images-idx3-ubyte`);
    const labels = findFile(folders, `${prefix}-labels-idx1-ubyte`);
    if (!images || !labels) {
      throw new Error(`${ctor.name}: Dataset not found: no ${prefix}-images-idx3-ubyte[.gz] and ${prefix}-labels-idx1-ubyte[.gz] in ${folders.join(', ')}`);
    }
    this.root = images.slice(0, images.lastIndexOf('/')) || '.';
    this.data = read_idx(images);
    const rawLabels = read_idx(labels);
    this.labels = Int32Array.from(rawLabels.toTypedArray() as Uint8Array);
    this.targets = rawLabels.to('int64');
    rawLabels.dispose();
    if (this.data.size(0) !== this.labels.length) {
      throw new Error(`${ctor.name}: ${images} has ${this.data.size(0)} images but ${labels} has ${this.labels.length} labels`);
    }
  }

  get classes(): string[] {
    return (this.constructor as typeof MNIST).classes;
  }

  get class_to_idx(): Record<string, number> {
    return Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }

  get length(): number {
    return this.labels.length;
  }

  /** [image, target]: transform(data[index]) and target_transform(int(targets[index])). */
  get(index: number): [I, L] {
    const n = this.labels.length;
    const i = index < 0 ? index + n : index;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`IndexError: index ${index} is out of bounds for dimension 0 with size ${n}`);
    // A copy of the row, not a view: a view would hold (and count) the whole data tensor, and a
    // transform that works in place would change the dataset. select_copy makes it in one op call
    // (select, then clone, would be two, with a view handle made and freed in between).
    const img = select_copy(this.data, 0, i);
    const target = this.labels[i]!;
    const x = this.transform ? this.transform(img) : (img as unknown as I);
    if (this.transform && (x as unknown) !== img) img.dispose();
    return [x, this.target_transform ? this.target_transform(target) : (target as unknown as L)];
  }

  /** The labels as a plain array of numbers. */
  targetList(): number[] {
    return Array.from(this.labels);
  }

  /** Frees data and targets. */
  dispose(): void {
    this.data.dispose();
    this.targets.dispose();
  }

  override toString(): string {
    const lines = [`Dataset ${this.constructor.name}`, `    Number of datapoints: ${this.length}`, `    Root location: ${this.root}`, `    Split: ${this.train ? 'Train' : 'Test'}`];
    if (this.transform) lines.push(`    StandardTransform\nTransform: ${String(this.transform)}`);
    return lines.join('\n');
  }
}

/**
 * torchvision.datasets.FashionMNIST: Zalando's article images, 10 classes,
 * 60,000 training and 10,000 test images of 28x28 greyscale.
 *
 *   new FashionMNIST()                                  // /usr/share/datasets/fashion-mnist, train split
 *   new FashionMNIST('./data', { train: false, transform: transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.2860], [0.3530])]) })
 */
export class FashionMNIST<I = Tensor, L = number> extends MNIST<I, L> {
  static override classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  protected static override envVar = 'TORCH_NODE_FASHION_MNIST';
  protected static override systemFolders = ['/usr/share/datasets/fashion-mnist'];
  /** The training images' mean and standard deviation (of pixel / 255), the usual Normalize constants. */
  static readonly mean = 0.2860;
  static readonly std = 0.3530;
}
