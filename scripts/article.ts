// The seed article's transfer-learning example (/work/shared/seed-article.md),
// ported line by line from its PyTorch code: two models (Linear 10->20,
// Linear 20->10), SGD lr 0.01, MSELoss, torch.randn(100, 10) as input and
// target, 100 epochs on the source model, target_model.load_state_dict(
// source_model.state_dict()), 100 more epochs, printing every epoch's loss.
//
//   npx tsx scripts/article.ts [--epochs N] [--seed S] [--corrected] [--compare] [--json]
//
// Faithful by default: the article's second loop steps the optimizer built on
// source_model's parameters, so target_model never changes and its loss stays
// flat. --corrected builds the optimizer on target_model's parameters for the
// second loop. --compare also runs scripts/article.py (the Python original,
// same seed and flags) with /usr/bin/python3 and checks the losses match.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../lib/index.js';
import { nn, optim } from '../lib/index.js';
import type { Tensor } from '../lib/tensor.js';

interface Options {
  epochs: number;
  seed: number;
  corrected: boolean;
  compare: boolean;
  json: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { epochs: 100, seed: 0, corrected: false, compare: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--epochs') o.epochs = Number(argv[++i]);
    else if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--corrected') o.corrected = true;
    else if (a === '--compare') o.compare = true;
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npx tsx scripts/article.ts [--epochs N] [--seed S] [--corrected] [--compare] [--json]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(o.epochs) || o.epochs < 0) throw new Error('--epochs takes a non-negative integer');
  return o;
}

// 定义源任务模型 (the source-task model)
class SourceModel extends nn.Module {
  layer1 = new nn.Linear(10, 20);
  layer2 = new nn.Linear(20, 10);

  override forward(x: Tensor): Tensor {
    x = this.layer1.call(x);
    x = this.layer2.call(x);
    return x;
  }
}

// 定义目标任务模型 (the target-task model)
class TargetModel extends nn.Module {
  layer1 = new nn.Linear(10, 20);
  layer2 = new nn.Linear(20, 10);

  override forward(x: Tensor): Tensor {
    x = this.layer1.call(x);
    x = this.layer2.call(x);
    return x;
  }
}

export interface Losses {
  source: number[];
  target: number[];
}

export function runArticle(o: Pick<Options, 'epochs' | 'seed' | 'corrected'>, log: (line: string) => void = () => {}): Losses {
  torch.manual_seed(o.seed);
  const losses: Losses = { source: [], target: [] };

  // 训练源任务模型 (train the source model)
  const source_model = new SourceModel();
  source_model.train();
  let optimizer = new optim.SGD(source_model.parameters(), { lr: 0.01 });
  const criterion = new nn.MSELoss();

  // 训练数据 (training data)
  const source_data = torch.randn(100, 10);
  const target_data = torch.randn(100, 10);

  for (let epoch = 0; epoch < o.epochs; epoch++) {
    // torch.scope frees this step's tensors (outputs, loss, graph) when it returns.
    const loss = torch.scope(() => {
      optimizer.zero_grad();
      const output = source_model.call(source_data);
      const l = criterion.call(output, target_data);
      l.backward();
      optimizer.step();
      return l.item();
    });
    losses.source.push(loss);
    log(`source epoch ${String(epoch + 1).padStart(3)}  loss ${loss}`);
  }

  // 迁移学习 (transfer)
  const target_model = new TargetModel();
  const state = source_model.state_dict();
  target_model.load_state_dict(state);
  for (const t of state.values()) t.dispose();
  target_model.train();
  if (o.corrected) optimizer = new optim.SGD(target_model.parameters(), { lr: 0.01 });

  // 训练目标任务模型 (train the target model)
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const loss = torch.scope(() => {
      optimizer.zero_grad();
      const output = target_model.call(source_data);
      const l = criterion.call(output, target_data);
      l.backward();
      optimizer.step();
      return l.item();
    });
    losses.target.push(loss);
    log(`target epoch ${String(epoch + 1).padStart(3)}  loss ${loss}`);
  }
  return losses;
}

function runPythonOriginal(o: Options): Losses {
  const here = dirname(fileURLToPath(import.meta.url));
  const args = [join(here, 'article.py'), '--json', '--epochs', String(o.epochs), '--seed', String(o.seed)];
  if (o.corrected) args.push('--corrected');
  const python = process.env.TORCH_NODE_PYTHON ?? '/usr/bin/python3';
  return JSON.parse(execFileSync(python, args, { encoding: 'utf8' })) as Losses;
}

/** Compares two runs loss by loss; returns the lines to print and whether all match exactly. */
export function compareLosses(ours: Losses, theirs: Losses): { identical: boolean; lines: string[] } {
  const lines: string[] = [];
  let identical = true;
  let worst = 0;
  for (const phase of ['source', 'target'] as const) {
    const a = ours[phase], b = theirs[phase];
    if (a.length !== b.length) {
      identical = false;
      lines.push(`${phase}: ${a.length} losses here, ${b.length} in Python`);
      continue;
    }
    let same = 0;
    a.forEach((v, i) => {
      if (v === b[i]) same++;
      else worst = Math.max(worst, Math.abs(v - b[i]!) / Math.abs(b[i]!));
    });
    if (same !== a.length) identical = false;
    lines.push(`${phase} loop: ${same}/${a.length} losses identical to Python's`);
  }
  if (!identical) lines.push(`largest relative difference: ${worst}`);
  return { identical, lines };
}

function main(): void {
  const o = parseOptions(process.argv.slice(2));
  const log = o.json ? () => {} : (line: string) => console.log(line);
  log(`Transfer learning as in the seed article (seed ${o.seed}, ${o.epochs} epochs per task${o.corrected ? ', corrected second loop' : ''})`);
  const losses = runArticle(o, (line) => {
    if (line.startsWith('target epoch   1')) {
      log('target_model.load_state_dict(source_model.state_dict())');
      log(
        o.corrected
          ? 'second loop: optimizer = optim.SGD(target_model.parameters(), lr=0.01)  (--corrected)'
          : "second loop: the article's optimizer, still on source_model's parameters",
      );
    }
    log(line);
  });
  if (!o.corrected && o.epochs > 0) {
    const flat = losses.target.every((v) => v === losses.target[0]);
    log(
      `Note: as in the article, the second loop steps the optimizer built on source_model's parameters, so target_model ` +
        `never changes and its loss ${flat ? 'stays flat' : 'does not stay flat (unexpected)'} at ${losses.target[0]}. ` +
        'Run with --corrected to train target_model with an optimizer on its own parameters.',
    );
  }
  if (o.json) console.log(JSON.stringify(losses));
  if (o.compare) {
    const theirs = runPythonOriginal(o);
    const { identical, lines } = compareLosses(losses, theirs);
    for (const l of lines) console.log(l);
    console.log(identical ? "All losses match the Python original's, step for step." : 'Losses differ from the Python original.');
    if (!identical) process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
