// DataLoader({pin_memory: true}): pinned batches on a GPU machine; without CUDA
// the option is ignored with one warning and the batches are unchanged.
import { describe, expect, it, vi } from 'vitest';
import * as torch from '../../lib/index.js';
import { DataLoader, TensorDataset } from '../../lib/utils/data/index.js';

const HAS_GPU = torch.cuda.is_available();

function batches(pin: boolean): number[][][] {
  const ds = new TensorDataset(torch.arange(12, { dtype: 'float32' }).reshape(6, 2), torch.arange(6));
  const out: number[][][] = [];
  for (const [x, y] of new DataLoader(ds, { batch_size: 4, pin_memory: pin })) {
    out.push([x!.flatten().tolist() as number[], y!.tolist() as number[]]);
    if (pin && HAS_GPU) expect(x!.is_pinned()).toBe(true);
  }
  return out;
}

describe('DataLoader pin_memory', () => {
  it.skipIf(HAS_GPU)('without CUDA: warns once, pins nothing, and gives the same batches', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const plain = batches(false);
    const pinned = batches(true);
    batches(true);
    expect(pinned).toEqual(plain);
    const msgs = spy.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('pin_memory'));
    spy.mockRestore();
    expect(msgs).toEqual(["'pin_memory' argument is set as true but no accelerator is found, then device pinned memory won't be used."]);
    expect(new DataLoader([1, 2], { pin_memory: true }).pin_memory).toBe(false);
  });

  it.skipIf(!HAS_GPU)(`with CUDA: batches are pinned and copy with non_blocking ${HAS_GPU ? '' : '(skipped: no CUDA GPU visible)'}`, () => {
    const pinned = batches(true);
    expect(pinned).toEqual(batches(false));
    const t = torch.ones(1024).pin_memory();
    const g = t.to('cuda', { non_blocking: true });
    torch.cuda.synchronize();
    expect(g.sum().item()).toBe(1024);
  });
});
