#!/usr/bin/python3
"""The Python twin of scripts/bench/dataloader.ts: DataLoader throughput over Fashion-MNIST.

torchvision.datasets.FashionMNIST(root, train=True, transform=transforms.ToTensor())
under torch.utils.data.DataLoader(batch_size=64, shuffle=True, num_workers=0,
generator=torch.Generator().manual_seed(0)): what a Python user writes. Each
sample is a PIL image made from the uint8 row, then ToTensor (float [1, 28, 28]
in [0, 1]); default_collate stacks 64 of them and makes the labels a tensor.

A second loader, for reference, skips PIL: a plain tensor Dataset over the same
uint8 data whose __getitem__ is data[i].unsqueeze(0).div(255) and int(targets[i])
(the same float [1, 28, 28] values), so that the per-sample work is the same
tensor ops our FashionMNIST + ToTensor do.

Prints one JSON line first (the first batch's labels and pixel sum from each
loader, which the TypeScript side must reproduce), then answers "batches N"
(torchvision's dataset) or "tensor-batches N" (the tensor Dataset) with the
batches per second over N batches (a new pass, i.e. a new shuffle, per request;
passes continue into the next epoch if N is larger than one epoch).

    /usr/bin/python3 scripts/bench/fmnist_loader.py ROOT   (ROOT holds FashionMNIST/raw/*-ubyte)
"""
import json
import sys
import time

import torch
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets, transforms

BATCH = 64


class TensorFashionMNIST(Dataset):
    """The same images and labels as torchvision's dataset, without the PIL round trip."""

    def __init__(self, data, targets):
        self.data = data
        self.targets = targets

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        return self.data[index].unsqueeze(0).div(255), int(self.targets[index])


def first_batch(loader):
    x, y = next(iter(loader))
    return {'labels': y.tolist(), 'pixelSum': x.double().sum().item(), 'shape': list(x.shape),
            'dtype': str(x.dtype).replace('torch.', '')}


def main():
    root = sys.argv[1]
    ds = datasets.FashionMNIST(root, train=True, transform=transforms.ToTensor(), download=False)
    loaders = {
        'batches': DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=0,
                              generator=torch.Generator().manual_seed(0)),
        'tensor-batches': DataLoader(TensorFashionMNIST(ds.data, ds.targets), batch_size=BATCH, shuffle=True,
                                     num_workers=0, generator=torch.Generator().manual_seed(0)),
    }
    print(json.dumps({k: first_batch(v) for k, v in loaders.items()}), flush=True)
    for line in sys.stdin:
        what, n = line.split()
        if what not in loaders:
            raise SystemExit(f'unknown request {line!r}: expected "batches N" or "tensor-batches N"')
        loader = loaders[what]
        n = int(n)
        done = 0
        t = time.perf_counter()
        while done < n:
            for x, y in loader:
                done += 1
                if done == n:
                    break
        print(n / (time.perf_counter() - t), flush=True)


if __name__ == '__main__':
    main()
