// One of two Node ranks for the collectives test; prints one JSON object.
import * as torch from '../../../lib/index.js';

const dist = torch.distributed;
dist.init_process_group({ backend: 'gloo', init_method: 'env://', timeout: 20_000 });
const rank = dist.get_rank();
const out: Record<string, unknown> = { rank, world_size: dist.get_world_size(), backend: dist.get_backend(), initialized: dist.is_initialized() };
const caught = (fn: () => void): string | null => {
  try {
    fn();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
};

const m = torch.tensor([3, -1, 8], { dtype: 'float32' }).mul(rank === 0 ? 1 : -1);
dist.all_reduce(m, { op: 'MIN' });
out.min = m.tolist();

const r = torch.tensor([1, 2], { dtype: 'int32' }).add(rank * 10);
dist.reduce(r, 1, { op: dist.ReduceOp.SUM });
out.reduce = r.tolist();

// async_op: the Work is waited for on a pool thread; the event loop keeps running meanwhile.
if (rank === 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);  // rank 0 waits on rank 1
const big = torch.ones(1000).mul(rank + 1);
const work = dist.all_reduce(big, { async_op: true });
let ticks = 0;
const timer = setInterval(() => ticks++, 5);
await work.waitAsync();
clearInterval(timer);
out.async = { completed: work.is_completed(), first: big.select(0, 0).item(), rank0Ticks: rank === 0 ? ticks > 0 : null, waitAgain: work.wait() };

out.avgError = caught(() => dist.all_reduce(torch.ones(2), { op: dist.ReduceOp.AVG }));
out.reduceScatterError = caught(() => dist.reduce_scatter(torch.zeros(2), [torch.ones(2), torch.ones(2)]));
out.badOp = caught(() => dist.all_reduce(torch.ones(2), { op: 42 as never }));
out.twice = caught(() => dist.init_process_group('gloo'));

// DistributedSampler reads rank and world size from the default group.
const sampler = new torch.utils.data.DistributedSampler(Array.from({ length: 11 }, (_, i) => i), { seed: 3 });
sampler.set_epoch(2);
out.sampler = [...sampler];

dist.barrier();
dist.destroy_process_group();
out.afterDestroy = caught(() => dist.get_rank());
console.log(JSON.stringify(out));
