// readFileInto: the native read that fills a new storage straight from a checkpoint
// file, with ordinary pages (from 1 MiB a mapping populated up front) and with
// transparent huge pages (THP_MEM_ALLOC_ENABLE=1).
// Both must give the file's bytes exactly, at any size (not a whole number of 4 KiB
// or 2 MiB pages), and a storage that behaves like any other: ops, resize_, free.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wrap } from '../lib/bridge.js';
import { memory } from '../lib/memory.js';
import { native } from '../lib/native.js';
import { load, save } from '../lib/serialization/index.js';
import { snative } from '../lib/serialization/native.js';
import * as torch from '../lib/torch.js';

const dir = mkdtempSync(join(tmpdir(), 'torch-node-fill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1 << 20;
// A recognisable pattern: byte i of the file is (i * 131 + 7) mod 251, never a period of the page size.
const HEADER = 4096 + 123;
const BODY = 5 * MiB + 3 * 4096 + 24; // crosses two 2 MiB boundaries and ends inside a 4 KiB page
const file = join(dir, 'bytes.bin');
const bytes = Buffer.alloc(HEADER + BODY);
for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) % 251;
writeFileSync(file, bytes);

function readInto(offset: number, nbytes: number, dt: string, hugePages: boolean): InstanceType<typeof torch.Tensor> {
  const fd = openSync(file, 'r');
  try {
    return wrap(snative.readFileInto(fd, offset, nbytes, dt, hugePages));
  } finally {
    closeSync(fd);
  }
}

describe('readFileInto', () => {
  for (const hugePages of [false, true]) {
    const kind = hugePages ? 'huge pages' : 'ordinary pages';

    it(`${kind}: holds exactly the file's bytes, for sizes below and above 2 MiB`, () => {
      for (const [offset, nbytes] of [[HEADER, BODY], [HEADER, 2 * MiB], [HEADER + 4, 2 * MiB - 4], [0, 4096 * 3 + 8], [HEADER, 0]] as const) {
        const t = readInto(offset, nbytes, 'float32', hugePages);
        expect(t.shape).toEqual([nbytes / 4]);
        expect(Buffer.from(native.toBytes(t)).equals(bytes.subarray(offset, offset + nbytes))).toBe(true);
        t.dispose();
      }
    });

    it(`${kind}: the storage works with ops, can be resized (keeping its data) and is freed`, () => {
      const before = memory().liveBytes;
      const t = readInto(HEADER, BODY, 'uint8', hugePages);
      expect(memory().liveBytes - before).toBe(BODY);
      const expectedSum = bytes.subarray(HEADER, HEADER + BODY).reduce((a, b) => a + b, 0);
      const s = t.sum();
      expect(s.item()).toBe(expectedSum);
      s.dispose();
      // A storage read from a file is resizable, as PyTorch's are: growing it copies the data over.
      t.resize_(BODY + 3 * MiB);
      expect(Buffer.from(native.toBytes(t)).subarray(0, BODY).equals(bytes.subarray(HEADER, HEADER + BODY))).toBe(true);
      t.resize_(10);
      expect([...Buffer.from(native.toBytes(t))]).toEqual([...bytes.subarray(HEADER, HEADER + 10)]);
      t.dispose();
      expect(memory().liveBytes).toBe(before);
    });
  }

  it('refuses a read past the end of the file before allocating', () => {
    const fd = openSync(file, 'r');
    try {
      expect(() => snative.readFileInto(fd, HEADER, BODY + 4096, 'uint8', true)).toThrow(/truncated/);
    } finally {
      closeSync(fd);
    }
  });
});

describe('torch.load with large storages', () => {
  it('loads a checkpoint with storages above 2 MiB (the huge-page path when enabled) exactly', () => {
    const a = torch.arange(0, 3 * 262144 + 5, 1, { dtype: 'float32' }); // 3 MiB + 20 bytes
    const b = torch.arange(0, 1000, 1, { dtype: 'int64' });
    const path = join(dir, 'big.pt');
    save({ a, b, view: a.narrow(0, 10, 20) }, path);
    const back = load(path);
    expect(torch.equal(back.get('a'), a)).toBe(true);
    expect(torch.equal(back.get('b'), b)).toBe(true);
    expect(torch.equal(back.get('view'), a.narrow(0, 10, 20))).toBe(true);
    for (const t of [a, b, ...back.values()]) t.dispose();
  });
});
