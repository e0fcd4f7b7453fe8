// FashionMNIST against torchvision's reading the same files (torchvision wants
// them unzipped in root/FashionMNIST/raw, so the test split is laid out that way
// in a temporary folder), and against gzip + numpy for the training split in
// Debian's folder (gzipped files, no torchvision layout).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { DataLoader, FashionMNIST } from '../../lib/utils/data/index.js';
import { read_idx } from '../../lib/vision/datasets/index.js';
import { transforms } from '../../lib/vision/index.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

const SYSTEM = '/usr/share/datasets/fashion-mnist';
let haveData = true;
try {
  readFileSync(join(SYSTEM, 't10k-labels-idx1-ubyte.gz'));
} catch {
  haveData = false;
}

const root = mkdtempSync(join(tmpdir(), 'fmnist-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
if (haveData) {
  const raw = join(root, 'FashionMNIST', 'raw');
  mkdirSync(raw, { recursive: true });
  for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) writeFileSync(join(raw, f), gunzipSync(readFileSync(join(SYSTEM, `${f}.gz`))));
  // torchvision checks that the training files exist too; it does not read them for train=False.
  for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']) writeFileSync(join(raw, f), '');
}

const PIXELS: [number, number, number][] = [[0, 14, 14], [0, 27, 27], [1, 10, 5], [9999, 20, 13], [1234, 3, 22]];
const SAMPLES = [0, 17, 9999];
const TRAIN_IDX = [0, 1, 59999, 31337];

interface Reference {
  test: { shape: number[]; dtype: string; targetsDtype: string; targets: number[]; sum: number; pixels: number[]; classes: string[]; length: number };
  transformed: number[][];
  rawSample: { shape: number[]; dtype: string; target: number };
  firstBatch: { labels: number[]; sum: number };
  train: { shape: number[]; labels: number[]; sum: number; rows: number[][] };
}

const REF = python && haveData
  ? runPython<Reference>(`
import gzip, numpy as np
from torchvision import datasets, transforms
from torch.utils.data import DataLoader
root = ${JSON.stringify(root)}
ds = datasets.FashionMNIST(root, train=False)
out = {}
out['test'] = {'shape': list(ds.data.shape), 'dtype': str(ds.data.dtype), 'targetsDtype': str(ds.targets.dtype), 'targets': ds.targets.tolist(),
               'sum': int(ds.data.sum()), 'pixels': [int(ds.data[i, r, c]) for i, r, c in ${JSON.stringify(PIXELS)}],
               'classes': ds.classes, 'length': len(ds)}
t = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
dst = datasets.FashionMNIST(root, train=False, transform=t)
out['transformed'] = [dst[i][0].flatten().tolist() for i in ${JSON.stringify(SAMPLES)}]
img, target = datasets.FashionMNIST(root, train=False, transform=transforms.PILToTensor())[5]
out['rawSample'] = {'shape': list(img.shape), 'dtype': str(img.dtype), 'target': target}
x, y = next(iter(DataLoader(dst, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0))))
out['firstBatch'] = {'labels': y.tolist(), 'sum': float(x.double().sum())}
def idx(path):
    raw = gzip.open(path).read()
    nd = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * d:8 + 4 * d], 'big') for d in range(nd)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(shape)
im = idx(${JSON.stringify(SYSTEM)} + '/train-images-idx3-ubyte.gz'); lb = idx(${JSON.stringify(SYSTEM)} + '/train-labels-idx1-ubyte.gz')
out['train'] = {'shape': list(im.shape), 'labels': lb.tolist(), 'sum': int(im.astype(np.int64).sum()), 'rows': [im[i, 13].tolist() for i in ${JSON.stringify(TRAIN_IDX)}]}
`)
  : null;

const skip = !python || !haveData;
const why = !haveData ? `no Fashion-MNIST in ${SYSTEM} (apt-get install dataset-fashion-mnist)` : pythonMissingReason;

describe.skipIf(skip)(`FashionMNIST against torchvision${skip ? ` (skipped: ${why})` : ''}`, () => {
  const ref = REF!;

  it('the test split in torchvision\'s folder layout (unzipped): shapes, dtypes, labels and pixels equal torchvision\'s', () => {
    const ds = new FashionMNIST(root, { train: false });
    expect(ds.length).toBe(ref.test.length);
    expect(ds.data.shape).toEqual(ref.test.shape);
    expect(`torch.${ds.data.dtype}`).toBe(ref.test.dtype);
    expect(`torch.${ds.targets.dtype}`).toBe(ref.test.targetsDtype);
    expect(ds.targets.tolist()).toEqual(ref.test.targets);
    expect(ds.targetList()).toEqual(ref.test.targets);
    expect(ds.data.sum().item()).toBe(ref.test.sum);
    expect(PIXELS.map(([i, r, c]) => ds.data.get(i, r, c).item())).toEqual(ref.test.pixels);
    expect(ds.classes).toEqual(ref.test.classes);
    expect(ds.root).toBe(join(root, 'FashionMNIST', 'raw'));
    const [img, target] = ds.get(5);
    expect([img.shape, `torch.${img.dtype}`, target]).toEqual([ref.rawSample.shape.slice(1), ref.rawSample.dtype, ref.rawSample.target]);
    ds.dispose();
  });

  it('ToTensor + Normalize give torchvision\'s values exactly, and a seeded DataLoader its first batch', () => {
    const t = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.2860], [0.3530])]);
    const ds = new FashionMNIST(root, { train: false, transform: t });
    SAMPLES.forEach((i, j) => {
      const [x] = ds.get(i) as [Tensor, number];
      expect(x.shape).toEqual([1, 28, 28]);
      expect(x.dtype).toBe('float32');
      expect(Array.from(x.flatten().toTypedArray() as Float32Array)).toEqual(ref.transformed[j]);
    });
    const loader = new DataLoader(ds, { batch_size: 16, shuffle: true, generator: new torch.Generator().manual_seed(0) });
    for (const [x, y] of loader as Iterable<[Tensor, Tensor]>) {
      expect(x.shape).toEqual([16, 1, 28, 28]);
      expect(y.tolist()).toEqual(ref.firstBatch.labels);
      expect(x.to('float64').sum().item()).toBeCloseTo(ref.firstBatch.sum, 6);
      break;
    }
    ds.dispose();
  });

  it('the training split from Debian\'s folder (gzipped), the default root: equal to gzip + numpy', () => {
    const ds = new FashionMNIST();
    expect(ds.data.shape).toEqual(ref.train.shape);
    expect(ds.targetList()).toEqual(ref.train.labels);
    expect(ds.data.to('int64').sum().item()).toBe(ref.train.sum);
    expect(TRAIN_IDX.map((i) => ds.data.get(i, 13).tolist())).toEqual(ref.train.rows);
    expect(ds.root).toBe(SYSTEM);
    ds.dispose();
  });
});

describe.skipIf(!haveData)('FashionMNIST and IDX reading', () => {
  it('read_idx reads gzipped and plain files alike', () => {
    const a = read_idx(join(SYSTEM, 't10k-labels-idx1-ubyte.gz'));
    const b = read_idx(join(root, 'FashionMNIST', 'raw', 't10k-labels-idx1-ubyte'));
    expect(a.shape).toEqual([10000]);
    expect(a.equal(b)).toBe(true);
  });

  it('errors say what is missing and where it looked', () => {
    expect(() => new FashionMNIST(join(root, 'nowhere'))).toThrow(/Dataset not found: no train-images-idx3-ubyte\[\.gz\]/);
    expect(() => new FashionMNIST(null, { download: true })).toThrow(/download is not supported/);
    const bad = join(root, 'bad');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'x'), Buffer.from([1, 2, 3, 4]));
    expect(() => read_idx(join(bad, 'x'))).toThrow(/not an IDX file/);
  });

  it('get() gives a copy of the image, so a batch does not hold the whole data tensor', () => {
    const ds = new FashionMNIST(root, { train: false });
    const [img] = ds.get(0);
    img.fill_(0);
    expect(ds.data.get(0).sum().item()).toBeGreaterThan(0);
    expect(ds.get(-1)[1]).toBe(ds.targetList()[9999]);
    expect(() => ds.get(10000)).toThrow(/IndexError/);
    ds.dispose();
  });
});
