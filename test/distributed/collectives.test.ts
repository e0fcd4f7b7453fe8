// torch.distributed collectives between two Node ranks on Gloo, the async
// Work handle, and the errors c10d and the TS layer raise.
import { describe, expect, it } from 'vitest';
import { freePort, jsonLines, runTs, glooMissingReason, glooNote } from './helpers.js';

type Result = Record<string, unknown> & { rank: number };

describe.skipIf(!!glooMissingReason)(`torch.distributed collectives (2 Node ranks, Gloo, env://)${glooNote}`, () => {
  it('MIN, reduce, async_op, error messages, DistributedSampler on the default group, destroy', async () => {
    const port = await freePort();
    const env = (rank: number) => ({ MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: '2', RANK: String(rank) });
    const runs = await Promise.all([runTs('collectives.ts', [], env(0)), runTs('collectives.ts', [], env(1))]);
    const [r0, r1] = runs.map((r) => {
      expect(r.code, r.stderr).toBe(0);
      return jsonLines<Result>(r.stdout)[0]!;
    });
    for (const r of [r0!, r1!]) {
      expect(r.world_size).toBe(2);
      expect(r.backend).toBe('gloo');
      expect(r.initialized).toBe(true);
      expect(r.min).toEqual([-3, -1, -8]);
      expect(r.async).toMatchObject({ completed: true, first: 3, waitAgain: true });
      // c10d's own words (libtorch 1.13's Gloo has neither AVG nor reduce_scatter).
      expect(r.avgError).toBe('Cannot use ReduceOp.AVG with Gloo');
      expect(r.reduceScatterError).toBe('ProcessGroupGloo does not support reduce_scatter');
      expect(r.badOp).toMatch(/op must be a torch.distributed.ReduceOp .* got 42/);
      expect(r.twice).toBe('RuntimeError: trying to initialize the default process group twice!');
      expect(r.afterDestroy).toMatch(/Default process group has not been initialized/);
    }
    expect(r1!.reduce).toEqual([12, 14]);  // dst = 1 holds the sum
    // Rank 0 waited ~300 ms for rank 1 inside waitAsync, and its timers kept firing.
    expect((r0!.async as { rank0Ticks: boolean }).rank0Ticks).toBe(true);
    // The two shards cover the 11 indices (one repeated as padding) without overlap beyond the padding.
    const s0 = r0!.sampler as number[];
    const s1 = r1!.sampler as number[];
    expect(s0).toHaveLength(6);
    expect(s1).toHaveLength(6);
    expect(new Set([...s0, ...s1]).size).toBe(11);
  }, 60_000);
});
