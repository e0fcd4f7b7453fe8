# GPU side-by-side benchmarks, the Python PyTorch half of scripts/gpu/bench.ts: the
# same programs, printed as one JSON line with the same keys.
#   python3 scripts/gpu/bench.py [--device cuda] [--size 8192] [--steps 50] [--resnet-steps 30] [--memory-steps 200]
import argparse, json, time
import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument('--device', default='cuda')
p.add_argument('--size', type=int, default=8192)
p.add_argument('--steps', type=int, default=50)
p.add_argument('--resnet-steps', type=int, default=30)
p.add_argument('--resnet-batch', type=int, default=64)
p.add_argument('--memory-steps', type=int, default=200)
args = p.parse_args()
device = args.device
on_cuda = device.startswith('cuda')
autocast_device = 'cuda' if on_cuda else 'cpu'

def sync():
    if on_cuda:
        torch.cuda.synchronize()

def time_it(n, fn, warmup=3):
    for _ in range(warmup):
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

def make_step(model, opt, x, y, precision):
    scaler = torch.amp.GradScaler(autocast_device) if precision == 'fp16-scaler' else None
    def step():
        opt.zero_grad()
        if precision == 'fp32':
            out = model(x)
        else:
            with torch.autocast(autocast_device, dtype=torch.bfloat16 if precision == 'bf16' else torch.float16):
                out = model(x)
        l = nn.functional.cross_entropy(out.float(), y)
        if scaler:
            scaler.scale(l).backward(); scaler.step(opt); scaler.update()
        else:
            l.backward(); opt.step()
        return l
    return step

def finetune(precision):
    torch.manual_seed(0)
    model = SourceNet().to(device)
    opt = torch.optim.SGD([
        {'params': model.features.parameters(), 'lr': 0.001},
        {'params': model.head.parameters(), 'lr': 0.01}], lr=0.01, momentum=0.9)
    x = torch.randn(256, 1, 28, 28, device=device)
    y = torch.randint(0, 2, (256,), device=device)
    step = make_step(model, opt, x, y, precision)
    last = [0.0]
    def timed():
        last[0] = step().item()
    return time_it(args.steps, timed), last[0]

def resnet50(precision):
    import torchvision
    torch.manual_seed(0)
    model = torchvision.models.resnet50(num_classes=10).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(args.resnet_batch, 3, 224, 224, device=device)
    y = torch.randint(0, 10, (args.resnet_batch,), device=device)
    step = make_step(model, opt, x, y, precision)
    first = step().item()
    ms = time_it(args.resnet_steps, step, warmup=2)
    mem = torch.cuda.memory_allocated() if on_cuda else 0
    return ms, args.resnet_batch * 1000 / ms, first, mem

def memory_over_steps():
    torch.manual_seed(0)
    model = SourceNet().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(256, 1, 28, 28, device=device)
    y = torch.randint(0, 2, (256,), device=device)
    step = make_step(model, opt, x, y, 'fp32')
    every = max(1, args.memory_steps // 10)
    samples = []
    for i in range(1, args.memory_steps + 1):
        step()
        if i % every == 0:
            sync()
            samples.append(torch.cuda.memory_allocated() if on_cuda else 0)
    return samples

torch.manual_seed(0)
a = torch.randn(args.size, args.size, device=device, dtype=torch.bfloat16)
b = torch.randn(args.size, args.size, device=device, dtype=torch.bfloat16)
matmul_ms = time_it(20, lambda: a @ b)
del a, b

fp32_ms, fp32_loss = finetune('fp32')
bf16_ms, _ = finetune('bf16')
fp16_ms, _ = finetune('fp16-scaler') if on_cuda else (None, None)
memory = memory_over_steps()
r50 = resnet50('fp32')
r50bf16 = resnet50('bf16')
print(json.dumps({
    'matmul_bf16_ms': matmul_ms, 'matmul_bf16_tflops': 2 * args.size ** 3 / (matmul_ms / 1e3) / 1e12,
    'finetune_ms': fp32_ms, 'finetune_amp_ms': bf16_ms, 'finetune_fp16_scaler_ms': fp16_ms, 'finetune_loss': fp32_loss,
    'resnet50_ms': r50[0], 'resnet50_images_per_s': r50[1], 'resnet50_bf16_ms': r50bf16[0],
    'resnet50_bf16_images_per_s': r50bf16[1], 'resnet50_first_loss': r50[2],
    'memory_allocated_over_steps': memory}))
