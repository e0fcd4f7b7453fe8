// scripts/torchrun.ts: the environment each process gets, and what happens
// when one of them fails.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, jsonLines, run, ROOT, RANKS } from './helpers.js';

const TORCHRUN = join(ROOT, 'scripts', 'torchrun.ts');

describe('scripts/torchrun.ts', () => {
  it('starts N processes with RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT set', async () => {
    const port = await freePort();
    const r = await run(process.execPath, ['--import', 'tsx', TORCHRUN, '--nproc-per-node=3', '--master_port', String(port), join(RANKS, 'env.ts')], {});
    expect(r.code, r.stderr).toBe(0);
    const envs = jsonLines<Record<string, string>>(r.stdout).sort((a, b) => Number(a.RANK) - Number(b.RANK));
    expect(envs).toEqual([0, 1, 2].map((rank) => ({
      RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: '3', LOCAL_WORLD_SIZE: '3',
      MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), GROUP_RANK: '0',
    })));
  }, 30_000);

  it('when one process fails, stops the others and exits non-zero naming the rank', async () => {
    const r = await run(process.execPath, ['--import', 'tsx', TORCHRUN, '--standalone', '--nproc_per_node', '2', join(RANKS, 'env.ts'), 'fail'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('torchrun: rank 1 (local_rank 1) failed: exit code 7; the other ranks were stopped');
    expect(r.stdout).not.toContain('survived');
    expect(r.ms).toBeLessThan(20_000);
  }, 30_000);

  it('rejects unknown options and a missing script', async () => {
    const bad = await run(process.execPath, ['--import', 'tsx', TORCHRUN, '--nodes', '2', 'x.ts'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('torchrun: unknown option --nodes');
    const none = await run(process.execPath, ['--import', 'tsx', TORCHRUN, '--nproc_per_node', '2'], {});
    expect(none.stderr).toContain('torchrun: the training script is missing');
  }, 30_000);
});
