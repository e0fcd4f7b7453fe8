# The seed article's transfer-learning example (/work/shared/seed-article.md),
# as written there, with a seed, an epoch count and per-epoch loss printing
# added so that scripts/article.ts can be compared with it step for step.
#
#   /usr/bin/python3 scripts/article.py [--epochs N] [--seed S] [--corrected] [--json]
#
# As in the article, the second loop steps the optimizer that was built on
# source_model's parameters, so target_model never changes and its loss stays
# flat; --corrected builds an optimizer on target_model's parameters instead.
import argparse
import json

import torch
import torch.nn as nn
import torch.optim as optim

parser = argparse.ArgumentParser()
parser.add_argument('--epochs', type=int, default=100)
parser.add_argument('--seed', type=int, default=0)
parser.add_argument('--corrected', action='store_true')
parser.add_argument('--json', action='store_true')
args = parser.parse_args()

torch.manual_seed(args.seed)


# 定义源任务模型 (the source-task model)
class SourceModel(nn.Module):
    def __init__(self):
        super(SourceModel, self).__init__()
        self.layer1 = nn.Linear(10, 20)
        self.layer2 = nn.Linear(20, 10)

    def forward(self, x):
        x = self.layer1(x)
        x = self.layer2(x)
        return x


# 定义目标任务模型 (the target-task model)
class TargetModel(nn.Module):
    def __init__(self):
        super(TargetModel, self).__init__()
        self.layer1 = nn.Linear(10, 20)
        self.layer2 = nn.Linear(20, 10)

    def forward(self, x):
        x = self.layer1(x)
        x = self.layer2(x)
        return x


source_losses, target_losses = [], []

# 训练源任务模型 (train the source model)
source_model = SourceModel()
source_model.train()
optimizer = optim.SGD(source_model.parameters(), lr=0.01)
criterion = nn.MSELoss()

# 训练数据 (training data)
source_data = torch.randn(100, 10)
target_data = torch.randn(100, 10)

for epoch in range(args.epochs):
    optimizer.zero_grad()
    output = source_model(source_data)
    loss = criterion(output, target_data)
    loss.backward()
    optimizer.step()
    source_losses.append(loss.item())
    if not args.json:
        print(f'source epoch {epoch + 1:3d}  loss {loss.item()!r}')

# 迁移学习 (transfer)
target_model = TargetModel()
target_model.load_state_dict(source_model.state_dict())
target_model.train()
if args.corrected:
    optimizer = optim.SGD(target_model.parameters(), lr=0.01)

# 训练目标任务模型 (train the target model)
for epoch in range(args.epochs):
    optimizer.zero_grad()
    output = target_model(source_data)
    loss = criterion(output, target_data)
    loss.backward()
    optimizer.step()
    target_losses.append(loss.item())
    if not args.json:
        print(f'target epoch {epoch + 1:3d}  loss {loss.item()!r}')

if args.json:
    print(json.dumps({'source': source_losses, 'target': target_losses}))
