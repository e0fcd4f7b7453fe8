#!/usr/bin/python3
"""The Python twin of scripts/bench/cnn-step.ts and scripts/bench/inference.ts.

The transfer demo's CNN (SourceCNN, imported from scripts/transfer_source.py,
the Python side of scripts/transfer-demo.ts), set up exactly as the TypeScript
side does it, answering one line per request on stdin so that rounds
interleave with ours:

    train N   ->  mean microseconds per training step over N steps
                  (zero_grad(set_to_none=True), forward, cross_entropy, backward, Adam step;
                  batch 64 of 1x28x28, model in train mode)
    infer R   ->  mean milliseconds per pass over R passes; a pass is the 10,000
                  Fashion-MNIST test images in batches of 256 under no_grad, eval mode,
                  forward and argmax
    infer-batches K -> the first K batches of a pass (for instruction counts)

Before any request it prints one JSON line with what both sides must agree on
(the losses of the first training steps, the predicted-class counts), so the
benchmark knows that the same work is timed; with --skip-check (for valgrind,
where a full pass is slow) that line is {}.

    /usr/bin/python3 scripts/bench/cnn.py [--skip-check]    (then type e.g. "train 5")
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from transfer_source import DEFAULT_DATA, MEAN, STD, SourceCNN, load_split  # noqa: E402

BATCH = 64
INFER_BATCH = 256
CHECK_STEPS = 3


def make_train():
    torch.manual_seed(0)
    model = SourceCNN(10)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(BATCH, 1, 28, 28)
    y = torch.randint(0, 10, (BATCH,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def make_infer(data_root):
    torch.manual_seed(0)
    model = SourceCNN(10)
    model.eval()
    images, _ = load_split(data_root, train=False)
    x = images.unsqueeze(1).div(255).sub_(MEAN).div_(STD)
    n = x.size(0)

    def run_pass(batches=None):
        starts = range(0, n, INFER_BATCH)
        if batches is not None:
            starts = [starts[i % len(starts)] for i in range(batches)]
        with torch.no_grad():
            return [model(x[s:s + INFER_BATCH]).argmax(1) for s in starts]

    return run_pass


def main():
    data_root = os.environ.get('TORCH_NODE_FASHION_MNIST', DEFAULT_DATA)
    train_step = make_train()
    infer_pass = make_infer(data_root)
    if '--skip-check' in sys.argv:
        print('{}', flush=True)
    else:
        losses = [train_step().item() for _ in range(CHECK_STEPS)]
        counts = torch.bincount(torch.cat(infer_pass()), minlength=10).tolist()
        print(json.dumps({'losses': losses, 'counts': counts, 'threads': torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        what, n = line.split()
        n = int(n)
        if what == 'train':
            t = time.perf_counter()
            for _ in range(n):
                train_step()
            print((time.perf_counter() - t) / n * 1e6, flush=True)
        elif what == 'infer':
            t = time.perf_counter()
            for _ in range(n):
                infer_pass()
            print((time.perf_counter() - t) / n * 1e3, flush=True)
        elif what == 'infer-batches':
            t = time.perf_counter()
            infer_pass(n)
            print((time.perf_counter() - t) / n * 1e3, flush=True)
        else:
            raise SystemExit(f'unknown request {line!r}: expected "train N", "infer N" or "infer-batches N"')


if __name__ == '__main__':
    main()
