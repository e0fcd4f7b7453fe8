// DistributedDataParallel: two Gloo ranks on 127.0.0.1, started by
// scripts/torchrun.ts, train the article's model; after every step both
// ranks hold identical parameters, equal (1e-6) to one process training on
// the concatenated batch.
import { describe, expect, it } from 'vitest';
import { freePort, jsonLines, maxAbsDiff, run, ROOT, glooMissingReason, glooNote } from './helpers.js';
import { join } from 'node:path';

interface StepLine { rank: number; step: number; params: number[]; reference: number[] | null; live: number }

async function train(steps: number, mode: string[]): Promise<StepLine[]> {
  const port = await freePort();
  const r = await run(process.execPath, [
    '--import', 'tsx', join(ROOT, 'scripts', 'torchrun.ts'), '--nproc_per_node', '2', '--master_port', String(port),
    join(ROOT, 'test', 'distributed', 'ranks', 'ddp_train.ts'), String(steps), ...mode,
  ], {});
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.code).toBe(0);
  return jsonLines<StepLine>(r.stdout);
}

function check(lines: StepLine[], steps: number, paramCount = 10 * 20 + 20 + 20 * 10 + 10): void {
  for (let s = 0; s <= steps; s++) {
    const r0 = lines.find((l) => l.rank === 0 && l.step === s);
    const r1 = lines.find((l) => l.rank === 1 && l.step === s);
    expect(r0, `rank 0 step ${s}`).toBeDefined();
    expect(r1, `rank 1 step ${s}`).toBeDefined();
    expect(r0!.params.length).toBe(paramCount);
    // Identical, not merely close: both ranks apply the same averaged gradients.
    expect(r1!.params).toEqual(r0!.params);
    expect(maxAbsDiff(r0!.params, r0!.reference!)).toBeLessThanOrEqual(1e-6);
  }
  // Training moved the parameters (the comparison above is not between two frozen models).
  const first = lines.find((l) => l.rank === 0 && l.step === 0)!;
  const last = lines.find((l) => l.rank === 0 && l.step === steps)!;
  expect(maxAbsDiff(first.params, last.params)).toBeGreaterThan(1e-4);
  // No tensor leaks per step (DDP's forward, the Reducer's hooks, the broadcasts).
  for (const rank of [0, 1]) {
    const live = lines.filter((l) => l.rank === rank && l.step >= 1).map((l) => l.live);
    expect(new Set(live).size, `rank ${rank} live tensors per step: ${live.join(', ')}`).toBe(1);
  }
}

describe.skipIf(!!glooMissingReason)(`nn.parallel.DistributedDataParallel (2 Gloo ranks via scripts/torchrun.ts)${glooNote}`, () => {
  it('rank 0\'s parameters are broadcast, then every step matches single-process training on the whole batch', async () => {
    const steps = 6;
    check(await train(steps, []), steps);
  }, 60_000);

  it('a 2.5 MB model in 0.5 MB buckets (several all-reduces per backward after the rebuild) gives the same result', async () => {
    const steps = 4;
    const total = 10 * 30_000 + 30_000 + 30_000 * 10 + 10;
    check(await train(steps, ['smallbuckets']), steps, Math.ceil(total / 997));
  }, 60_000);

  it('no_sync() accumulates locally; the next synchronized backward averages the accumulated gradients', async () => {
    const steps = 3;
    const lines = await train(steps, ['nosync']);
    check(lines.filter((l) => l.params !== undefined), steps);
    const grads = lines as unknown as { rank: number; step: number; micro?: number; grads?: number[] }[];
    for (let s = 1; s <= steps; s++) {
      const at = (rank: number, micro: number) => grads.find((l) => l.rank === rank && l.step === s && l.micro === micro)!.grads!;
      // Inside no_sync nothing was exchanged: each rank holds its own gradient.
      expect(maxAbsDiff(at(0, 0), at(1, 0))).toBeGreaterThan(1e-4);
      // The synchronized backward averaged the accumulated sums: equal on both ranks.
      expect(at(1, 1)).toEqual(at(0, 1));
    }
  }, 60_000);

  it('broadcasts rank 0\'s buffers before each forward (BatchNorm running stats); state_dict keys start with module.', async () => {
    const port = await freePort();
    const r = await run(process.execPath, [
      '--import', 'tsx', join(ROOT, 'scripts', 'torchrun.ts'), '--nproc_per_node', '2', '--master_port', String(port),
      join(ROOT, 'test', 'distributed', 'ranks', 'ddp_buffers.ts'),
    ], {});
    expect(r.code, r.stderr).toBe(0);
    type Line = { rank: number; afterTraining: number[]; afterEvalForward: number[]; stateKeys: string[] };
    const lines = jsonLines<Line>(r.stdout);
    const r0 = lines.find((l) => l.rank === 0)!;
    const r1 = lines.find((l) => l.rank === 1)!;
    // Each rank updated the statistics from its own (differently shifted) batches...
    expect(maxAbsDiff(r0.afterTraining, r1.afterTraining)).toBeGreaterThan(1e-3);
    // ...and the next forward started from rank 0's (eval mode: no update after the broadcast).
    expect(r1.afterEvalForward).toEqual(r0.afterTraining);
    expect(r0.afterEvalForward).toEqual(r0.afterTraining);
    expect(r0.stateKeys).toEqual(['module.0.weight', 'module.0.bias', 'module.1.weight']);
  }, 60_000);
});
