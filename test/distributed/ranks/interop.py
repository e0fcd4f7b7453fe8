# The Python rank of the Node + Python interop test (see interop.ts): real
# PyTorch 1.13's torch.distributed, the same collectives in the same order.
#   argv: rank port
import json, sys
from datetime import timedelta
import torch
import torch.distributed as dist

rank, port = int(sys.argv[1]), int(sys.argv[2])
dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2, timeout=timedelta(seconds=20))
out = {"rank": rank, "world_size": dist.get_world_size()}
a = torch.tensor([1, 2, 3, 4], dtype=torch.float32) * (rank + 1)
dist.all_reduce(a)
out["sum"] = a.tolist()
b = torch.tensor([[1.5, -2], [3, 7]], dtype=torch.float64) + rank * 10
dist.all_reduce(b, op=dist.ReduceOp.MAX)
out["max"] = b.tolist()
c = torch.tensor([5, 6, 7], dtype=torch.int64) * (rank + 2)
dist.all_reduce(c, op=dist.ReduceOp.PRODUCT)
out["prod"] = c.tolist()
d = torch.tensor([42.0, 43.0]) if rank == 1 else torch.zeros(2)
dist.broadcast(d, 1)
out["broadcast"] = d.tolist()
parts = [torch.zeros(3), torch.zeros(3)]
dist.all_gather(parts, torch.full((3,), rank + 0.5))
out["gather"] = [p.tolist() for p in parts]
dist.barrier()
print(json.dumps(out), flush=True)
dist.destroy_process_group()
