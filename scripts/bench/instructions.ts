// Instructions per iteration, ours against Python, counted with callgrind for
// the benchmarks where the two should do the same work: the CNN training step,
// inference batches and the DataLoader. Reproducible on a busy machine (wall
// time is not); prints the totals and, for each side, the functions that cost
// the most per iteration (self cost), and writes .bench/instructions.json.
//
//   npx tsx scripts/bench/instructions.ts [cnn-step] [inference] [dataloader] [dataloader-tensor]
//
// Slow (valgrind runs ~50x slower than native): a few minutes per benchmark.
// The seed article's step has its own: npx tsx scripts/bench/train-step.ts --instructions
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Count, countInstructions } from './callgrind.js';
import { benchDir, pythonBin, repoRoot } from './common.js';
import { prepareData } from './dataloader.js';

const node = (script: string, ...args: string[]): string[] => [process.execPath, '--import', 'tsx', join(benchDir, script), ...args];

interface Pair {
  what: string;
  unit: string;
  ours: () => Count;
  python: () => Count;
}

const log = (l: string): void => void process.stderr.write(l + '\n');

const PAIRS: Record<string, () => Pair> = {
  'cnn-step': () => ({
    what: 'CNN train step (batch 64)', unit: 'step',
    ours: () => countInstructions('cnn-step.ours', node('cnn-step.ts', '--only', 'ours', '--steps', '{n}'), 1, 3, undefined, log),
    python: () => countInstructions('cnn-step.python', [pythonBin, join(benchDir, 'cnn.py'), '--skip-check'], 1, 3, (n) => `train ${n}\n`, log),
  }),
  inference: () => ({
    what: 'inference batch (256 images, no_grad)', unit: 'batch',
    ours: () => countInstructions('inference.ours', node('inference.ts', '--only', 'ours', '--batches', '{n}'), 1, 3, undefined, log),
    python: () => countInstructions('inference.python', [pythonBin, join(benchDir, 'cnn.py'), '--skip-check'], 1, 3, (n) => `infer-batches ${n}\n`, log),
  }),
  dataloader: () => {
    const root = prepareData(log);
    return {
      what: 'DataLoader batch (64, FashionMNIST + ToTensor; Python: torchvision)', unit: 'batch',
      ours: () => countInstructions('dataloader.ours', node('dataloader.ts', '--only', 'ours', '--batches', '{n}'), 10, 110, undefined, log),
      python: () => countInstructions('dataloader.python', [pythonBin, join(benchDir, 'fmnist_loader.py'), root], 10, 110, (n) => `batches ${n}\n`, log),
    };
  },
  'dataloader-tensor': () => {
    const root = prepareData(log);
    return {
      what: 'DataLoader batch (64; Python: tensor Dataset, no PIL)', unit: 'batch',
      ours: () => countInstructions('dataloader.ours', node('dataloader.ts', '--only', 'ours', '--batches', '{n}'), 10, 110, undefined, log),
      python: () => countInstructions('dataloader-tensor.python', [pythonBin, join(benchDir, 'fmnist_loader.py'), root], 10, 110, (n) => `tensor-batches ${n}\n`, log),
    };
  },
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
for (const w of wanted) if (!(w in PAIRS)) throw new Error(`unknown benchmark ${w}: expected some of ${Object.keys(PAIRS).join(', ')}`);
const results: Record<string, { what: string; unit: string; ours: Count; python: Count }> = {};
for (const name of wanted.length ? wanted : Object.keys(PAIRS)) {
  const p = PAIRS[name]!();
  const ours = p.ours();
  const python = p.python();
  results[name] = { what: p.what, unit: p.unit, ours, python };
  const M = (x: number): string => (x / 1e6).toFixed(3);
  console.log(`\n${p.what}: instructions per ${p.unit}: ours ${M(ours.perIteration)}M, Python ${M(python.perIteration)}M (ours/Python ${(ours.perIteration / python.perIteration).toFixed(3)}x)`);
  for (const [side, c] of [['ours', ours], ['Python', python]] as const) {
    console.log(`  ${side}, top functions (self, per ${p.unit}):`);
    for (const t of c.top.slice(0, 15)) console.log(`    ${M(t.perIteration).padStart(10)}M  ${t.fn}`);
  }
}
const out = join(repoRoot, '.bench', 'instructions.json');
mkdirSync(join(repoRoot, '.bench'), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`\nJSON: ${out}`);
