// The Node rank of the Node + Python interop test: one Gloo group, one rank
// each. Runs the same collectives, in the same order, as interop.py.
//   argv: rank port
import * as torch from '../../../lib/index.js';

const rank = Number(process.argv[2]);
const port = Number(process.argv[3]);
const dist = torch.distributed;
dist.init_process_group('gloo', { init_method: `tcp://127.0.0.1:${port}`, rank, world_size: 2, timeout: 20_000 });

const out: Record<string, unknown> = { rank, world_size: dist.get_world_size() };
const a = torch.tensor([1, 2, 3, 4], { dtype: 'float32' }).mul(rank + 1);
dist.all_reduce(a);
out.sum = a.tolist();
const b = torch.tensor([[1.5, -2], [3, 7]], { dtype: 'float64' }).add(rank * 10);
dist.all_reduce(b, { op: dist.ReduceOp.MAX });
out.max = b.tolist();
const c = torch.tensor([5, 6, 7], { dtype: 'int64' }).mul(rank + 2);
dist.all_reduce(c, { op: dist.ReduceOp.PRODUCT });
out.prod = (c.tolist() as (number | bigint)[]).map(Number);
const d = rank === 1 ? torch.tensor([42, 43], { dtype: 'float32' }) : torch.zeros(2);
dist.broadcast(d, 1);
out.broadcast = d.tolist();
const parts = [torch.zeros(3), torch.zeros(3)];
dist.all_gather(parts, torch.full([3], rank + 0.5));
out.gather = parts.map((p) => p.tolist());
dist.barrier();
console.log(JSON.stringify(out));
dist.destroy_process_group();
