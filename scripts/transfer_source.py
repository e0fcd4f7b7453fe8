#!/usr/bin/python3
"""Trains the transfer demo's source model in PyTorch and saves its state_dict.

The same SourceCNN as scripts/transfer-demo.ts (same module names, so the same
state_dict keys), the same source images (the same seeded torch.randperm
selection), the same preprocessing and the same seeded DataLoader shuffle.
The TypeScript demo then fine-tunes the Python-trained checkpoint:

    /usr/bin/python3 scripts/transfer_source.py --out out/source_py.pt
    npx tsx scripts/transfer-demo.ts --source-checkpoint out/source_py.pt

Reads Fashion-MNIST's IDX files with gzip and numpy (no torchvision needed).
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

MEAN, STD = 0.2860, 0.3530
DEFAULT_DATA = '/usr/share/datasets/fashion-mnist'


class SourceCNN(nn.Module):
    """Two conv blocks (conv 3x3, BatchNorm, ReLU, max-pool 2) and a linear head."""

    def __init__(self, num_classes, widths=(16, 32)):
        super().__init__()
        c1, c2 = widths
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.classifier = nn.Linear(c2 * 7 * 7, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


def read_idx(path):
    """An IDX file (gzipped or not) as a numpy array; only the uint8 type, which Fashion-MNIST uses."""
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[:2] == b'\x1f\x8b':
        raw = gzip.decompress(raw)
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f'{path}: not a uint8 IDX file')
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * d:8 + 4 * d], 'big') for d in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def find(folder, name):
    for candidate in (os.path.join(folder, name), os.path.join(folder, name + '.gz'),
                      os.path.join(folder, 'FashionMNIST', 'raw', name), os.path.join(folder, 'FashionMNIST', 'raw', name + '.gz')):
        if os.path.exists(candidate):
            return candidate
    raise FileNotFoundError(f'no {name}[.gz] in {folder} (Debian: apt-get install dataset-fashion-mnist)')


def load_split(folder, train):
    prefix = 'train' if train else 't10k'
    images = torch.from_numpy(read_idx(find(folder, f'{prefix}-images-idx3-ubyte')).copy())
    labels = read_idx(find(folder, f'{prefix}-labels-idx1-ubyte')).tolist()
    return images, labels


def gather(images, labels, indices, classes):
    idx = torch.tensor(indices, dtype=torch.int64)
    x = images.index_select(0, idx).unsqueeze(1).div(255).sub_(MEAN).div_(STD)
    y = torch.tensor([classes.index(labels[i]) for i in indices], dtype=torch.int64)
    return x, y


def shuffled(xs, g):
    return [xs[i] for i in torch.randperm(len(xs), generator=g).tolist()]


def accuracy(model, x, y, batch_size=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            correct += (model(x[start:start + batch_size]).argmax(1) == y[start:start + batch_size]).sum().item()
    return correct / len(y)


def int_list(s):
    return [int(v) for v in s.split(',')]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--source-classes', type=int_list, default=None, help='default: every class not in --target-classes')
    p.add_argument('--target-classes', type=int_list, default=[0, 6])
    p.add_argument('--samples', type=int, default=20000, help='source training images (default 20000)')
    p.add_argument('--epochs', type=int, default=1)
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--optimizer', choices=['adam', 'sgd'], default='adam', help='adam (lr 1e-3) or sgd (lr 1e-2, momentum 0.9)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--test-samples', type=int, default=None, help='report the source accuracy on at most N test images')
    p.add_argument('--data', default=DEFAULT_DATA)
    p.add_argument('--out', default='out/source_py.pt')
    p.add_argument('--json', action='store_true', help='print a JSON summary')
    a = p.parse_args(argv)

    source = a.source_classes if a.source_classes is not None else [c for c in range(10) if c not in a.target_classes]
    train_images, train_labels = load_split(a.data, True)
    test_images, test_labels = load_split(a.data, False)
    pool = [i for i, l in enumerate(train_labels) if l in source]
    pick = shuffled(pool, torch.Generator().manual_seed(a.seed))[:min(a.samples, len(pool))]
    x, y = gather(train_images, train_labels, pick, source)
    test_pool = [i for i, l in enumerate(test_labels) if l in source]
    if a.test_samples is not None and a.test_samples < len(test_pool):
        test_pool = sorted(shuffled(test_pool, torch.Generator().manual_seed(a.seed + 1))[:a.test_samples])
    tx, ty = gather(test_images, test_labels, test_pool, source)

    torch.manual_seed(a.seed)
    model = SourceCNN(len(source))
    if a.optimizer == 'adam':
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    loader = DataLoader(TensorDataset(x, y), batch_size=a.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(a.seed))
    t0 = time.perf_counter()
    model.train()
    steps = 0
    for _ in range(a.epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            steps += 1
    seconds = time.perf_counter() - t0
    acc = accuracy(model, tx, ty)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save(model.state_dict(), a.out)
    summary = {'out': a.out, 'source_classes': source, 'train_images': len(pick), 'epochs': a.epochs, 'steps': steps,
               'seconds': seconds, 'test_images': len(ty), 'accuracy': acc, 'optimizer': a.optimizer,
               'keys': list(model.state_dict().keys())}
    if a.json:
        print(json.dumps(summary))
    else:
        print(f'source classes {source}: {len(pick)} images, {a.epochs} epoch(s), {steps} steps in {seconds:.1f} s; '
              f'test accuracy {acc:.4f} on {len(ty)} images; saved {a.out}')
        print(f'fine-tune it: npx tsx scripts/transfer-demo.ts --source-checkpoint {a.out}'
              + (f' --source-classes {",".join(map(str, source))}' if a.source_classes is not None else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
