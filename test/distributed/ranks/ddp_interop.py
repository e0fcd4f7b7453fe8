# The Python rank of the mixed Node + Python DDP test (see ddp_interop.ts):
# PyTorch 1.13's own DistributedDataParallel in the same Gloo group as a Node
# rank running torch-node's. Same model, data and steps; prints params per step.
#   argv: rank port steps
import json, sys
from datetime import timedelta
import torch
import torch.distributed as dist
from torch import nn, optim

rank, port, steps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2, timeout=timedelta(seconds=20))
torch.manual_seed(100 + rank)
model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 10))
ddp = nn.parallel.DistributedDataParallel(model)
opt = optim.SGD(ddp.parameters(), lr=0.01)
loss_fn = nn.MSELoss()
torch.manual_seed(1234)
xs = torch.randn(steps, 200, 10)
ys = torch.randn(steps, 200, 10)
flat = lambda: torch.cat([p.detach().reshape(-1) for p in model.parameters()]).tolist()
print(json.dumps({"rank": rank, "step": 0, "params": flat()}), flush=True)
for s in range(steps):
    opt.zero_grad()
    loss_fn(ddp(xs[s, 100 * rank:100 * (rank + 1)]), ys[s, 100 * rank:100 * (rank + 1)]).backward()
    opt.step()
    print(json.dumps({"rank": rank, "step": s + 1, "params": flat()}), flush=True)
dist.destroy_process_group()
