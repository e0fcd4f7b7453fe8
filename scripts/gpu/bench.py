# GPU side-by-side benchmarks, the Python PyTorch half of scripts/gpu/bench.ts:
# the same matmul and the same fine-tuning loop, printed as one JSON line.
#   python3 scripts/gpu/bench.py [--device cuda] [--size 8192] [--steps 50]
import argparse, json, time
import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument('--device', default='cuda')
p.add_argument('--size', type=int, default=8192)
p.add_argument('--steps', type=int, default=50)
args = p.parse_args()
device = args.device

def sync():
    if device.startswith('cuda'):
        torch.cuda.synchronize()

def time_it(n, fn):
    for _ in range(3):
        fn()
    sync()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    sync()
    return (time.perf_counter() - t0) * 1e3 / n

class SourceNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Linear(64 * 7 * 7, 2)
    def forward(self, x):
        return self.head(self.features(x).flatten(1))

torch.manual_seed(0)
a = torch.randn(args.size, args.size, device=device, dtype=torch.bfloat16)
b = torch.randn(args.size, args.size, device=device, dtype=torch.bfloat16)
matmul_ms = time_it(20, lambda: a @ b)

def finetune(amp):
    torch.manual_seed(0)
    model = SourceNet().to(device)
    opt = torch.optim.SGD([
        {'params': model.features.parameters(), 'lr': 0.001},
        {'params': model.head.parameters(), 'lr': 0.01}], lr=0.01, momentum=0.9)
    x = torch.randn(256, 1, 28, 28, device=device)
    y = torch.randint(0, 2, (256,), device=device)
    last = [0.0]
    def step():
        opt.zero_grad()
        if amp:
            with torch.autocast('cuda' if device.startswith('cuda') else 'cpu', dtype=torch.bfloat16):
                out = model(x)
        else:
            out = model(x)
        l = nn.functional.cross_entropy(out.float(), y)
        l.backward()
        opt.step()
        last[0] = l.item()
    ms = time_it(args.steps, step)
    return ms, last[0]

fp32_ms, fp32_loss = finetune(False)
amp_ms, _ = finetune(True)
print(json.dumps({'matmul_bf16_ms': matmul_ms, 'matmul_bf16_tflops': 2 * args.size ** 3 / (matmul_ms / 1e3) / 1e12,
                  'finetune_ms': fp32_ms, 'finetune_amp_ms': amp_ms, 'finetune_loss': fp32_loss}))
