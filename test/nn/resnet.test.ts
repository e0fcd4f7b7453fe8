// torch-node's ResNet-18 (lib/models/vision/resnet.ts)
// against python3-torchvision's resnet18: the same state_dict keys, the same
// initial weights after manual_seed, and the same logits after loading the
// state_dict torchvision's model holds (moved through a file as raw bytes
// plus a JSON index of names, dtypes and shapes).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';
import { diff, settleThreads } from './parity.js';
import { resnet18 } from '../../lib/models/index.js';

settleThreads();

interface IndexEntry {
  name: string;
  dtype: 'float32' | 'int64';
  shape: number[];
  offset: number;
  numel: number;
}

/** Reads a file of raw little-endian tensors described by its JSON index. */
function readTensors(dir: string, stem: string): Map<string, Tensor> {
  const index = JSON.parse(readFileSync(join(dir, `${stem}.json`), 'utf8')) as IndexEntry[];
  const bytes = readFileSync(join(dir, `${stem}.bin`));
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const out = new Map<string, Tensor>();
  for (const e of index) {
    const data = e.dtype === 'int64' ? new BigInt64Array(buf, e.offset, e.numel) : new Float32Array(buf, e.offset, e.numel);
    const flat = torch.tensor(data);
    out.set(e.name, flat.reshape(e.shape));
    flat.dispose();
  }
  return out;
}

const PY = (dir: string) => `
import os, torchvision
def write(sd, stem):
    index, chunks, offset = [], [], 0
    for name, t in sd.items():
        t = t.detach().contiguous()
        data = t.numpy().tobytes()
        index.append({'name': name, 'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'offset': offset, 'numel': t.numel()})
        pad = (-len(data)) % 8
        chunks.append(data + b'\\0' * pad)
        offset += len(data) + pad
    with open(os.path.join(${JSON.stringify(dir)}, stem + '.bin'), 'wb') as f:
        f.write(b''.join(chunks))
    with open(os.path.join(${JSON.stringify(dir)}, stem + '.json'), 'w') as f:
        json.dump(index, f)

torch.manual_seed(0)
m = torchvision.models.resnet18()
write(m.state_dict(), 'init')
# Make the weights less uniform than a fresh init: perturb every BatchNorm's
# affine parameters and gather running statistics from two training batches.
torch.manual_seed(1)
with torch.no_grad():
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.weight.mul_(torch.rand_like(mod.weight) + 0.5)
            mod.bias.add_(torch.randn_like(mod.bias) * 0.1)
    m.train()
    m(torch.randn(4, 3, 64, 64))
    m(torch.randn(4, 3, 64, 64))
m.eval()
write(m.state_dict(), 'trained')
torch.save(m.state_dict(), os.path.join(${JSON.stringify(dir)}, 'trained.pt'))
x = torch.randn(2, 3, 64, 64)
write({'x': x}, 'input')
with torch.no_grad():
    logits = m(x)
out = {'keys': list(m.state_dict().keys()), 'logits': logits.reshape(-1).tolist(), 'shape': list(logits.shape)}
`;

describe.skipIf(!python)(`ResNet-18 against torchvision${python ? '' : ` (${pythonMissingReason})`}`, () => {
  let dir: string;
  let ref: { keys: string[]; logits: number[]; shape: number[] };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'torch-node-resnet-'));
    ref = runPython(PY(dir));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("has exactly torchvision's state_dict keys, and its initial weights after manual_seed(0)", () => {
    torch.manual_seed(0);
    const net = resnet18();
    const sd = net.state_dict();
    expect([...sd.keys()]).toEqual(ref.keys);
    const init = readTensors(dir, 'init');
    for (const [k, v] of init) {
      const mine = sd.get(k)!;
      expect(mine.shape, k).toEqual(v.shape);
      expect(mine.dtype, k).toBe(v.dtype);
      expect(mine.equal(v), `initial ${k}`).toBe(true);
    }
  });

  it("loads torchvision's state_dict and gives its logits", () => {
    const net = resnet18();
    const result = net.load_state_dict(readTensors(dir, 'trained'));
    expect(result).toEqual({ missing_keys: [], unexpected_keys: [] });
    net.eval();
    const x = readTensors(dir, 'input').get('x')!;
    const logits = torch.no_grad(() => net.call(x));
    expect(logits.shape).toEqual(ref.shape);
    const d = diff(Array.from(logits.toTypedArray() as Float32Array), ref.logits);
    expect(d.maxRel).toBeLessThanOrEqual(1e-5);
    console.log(`ResNet-18 logits: ${d.exact ? 'bit-exact' : `max relative difference ${d.maxRel}`}`);
  });

  it('loads the .pt that torch.save wrote (torch.load), and torchvision loads what torch.save writes here', () => {
    const sd = torch.load(join(dir, 'trained.pt')) as Map<string, Tensor>;
    const net = resnet18();
    expect(net.load_state_dict(sd)).toEqual({ missing_keys: [], unexpected_keys: [] });
    net.eval();
    const x = readTensors(dir, 'input').get('x')!;
    const logits = torch.no_grad(() => net.call(x));
    expect(diff(Array.from(logits.toTypedArray() as Float32Array), ref.logits).maxRel).toBeLessThanOrEqual(1e-5);
    const path = join(dir, 'from_node.pt');
    torch.save(net.state_dict(), path);
    const r = runPython<{ result: string; metadata: [string, Record<string, number>][] }>(`
import torchvision
sd = torch.load(${JSON.stringify(path)}, weights_only=True)
m = torchvision.models.resnet18()
out = {'result': str(m.load_state_dict(sd)), 'metadata': [[k, v] for k, v in list(sd._metadata.items())[:3]]}
`);
    expect(r.result).toBe('<All keys matched successfully>');
    expect(r.metadata).toEqual([['', { version: 1 }], ['conv1', { version: 1 }], ['bn1', { version: 2 }]]);
  });
});
