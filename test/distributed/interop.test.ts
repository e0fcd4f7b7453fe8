// A Node process and a Python PyTorch process (/usr/bin/python3, torch 1.13,
// the same libtorch) join one Gloo process group and run collectives
// together: the Node side is c10d itself, not a look-alike.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { python, pythonMissingReason } from '../helpers/python.js';
import { freePort, jsonLines, run, runTs, RANKS, glooMissingReason, glooNote } from './helpers.js';

const EXPECTED = {
  world_size: 2,
  sum: [3, 6, 9, 12],
  max: [[11.5, 8], [13, 17]],
  prod: [150, 216, 294],
  broadcast: [42, 43],
  gather: [[0.5, 0.5, 0.5], [1.5, 1.5, 1.5]],
};

describe.skipIf(!python || !!glooMissingReason)(`Node + Python in one Gloo group${python ? glooNote : ` (${pythonMissingReason})`}`, () => {
  for (const nodeRank of [0, 1]) {
    it(`Node as rank ${nodeRank} (${nodeRank === 0 ? 'serving' : 'joining'} the TCPStore): all_reduce, broadcast, all_gather, barrier agree`, async () => {
      const port = await freePort();
      const [node, py] = await Promise.all([
        runTs('interop.ts', [String(nodeRank), String(port)], {}),
        run(python!, [join(RANKS, 'interop.py'), String(1 - nodeRank), String(port)], {}),
      ]);
      expect(node.code, node.stderr).toBe(0);
      expect(py.code, py.stderr).toBe(0);
      const [n] = jsonLines<Record<string, unknown>>(node.stdout);
      const [p] = jsonLines<Record<string, unknown>>(py.stdout);
      expect(n).toEqual({ rank: nodeRank, ...EXPECTED });
      expect(p).toEqual({ rank: 1 - nodeRank, ...EXPECTED });
    }, 60_000);
  }

  it('torch-node\'s DistributedDataParallel and PyTorch\'s train one model together: identical parameters after every step', async () => {
    const port = await freePort();
    const steps = 3;
    const [node, py] = await Promise.all([
      runTs('ddp_interop.ts', ['0', String(port), String(steps)], {}),
      run(python!, [join(RANKS, 'ddp_interop.py'), '1', String(port), String(steps)], {}),
    ]);
    expect(node.code, node.stderr).toBe(0);
    expect(py.code, py.stderr).toBe(0);
    const n = jsonLines<{ step: number; params: number[] }>(node.stdout);
    const p = jsonLines<{ step: number; params: number[] }>(py.stdout);
    expect(n.map((l) => l.step)).toEqual([0, 1, 2, 3]);
    expect(p.map((l) => l.step)).toEqual([0, 1, 2, 3]);
    // The same collectives in the same order on both sides (shape check, start-up
    // broadcast from the Node rank 0, bucketed all-reduces), so the same numbers.
    for (let s = 0; s <= steps; s++) expect(n[s]!.params).toEqual(p[s]!.params);
    expect(n[steps]!.params).not.toEqual(n[0]!.params);
  }, 60_000);
});
