// A compute-bound training step: the transfer demo's CNN (scripts/transfer-demo.ts,
// SourceCNN: two conv 3x3 + BatchNorm + ReLU + max-pool blocks, a linear head),
// forward + cross_entropy + backward + Adam step at batch 64 on 1x28x28 inputs,
// against the same step in Python (scripts/bench/cnn.py), rounds interleaved.
// Both sides run the same libtorch kernels, so the binding must add nothing
// measurable: the target is within 3% of Python's time.
//
//   npx tsx scripts/bench/cnn-step.ts [--quick] [--rounds 15] [--steps 20]
//   npx tsx scripts/bench/cnn-step.ts --only ours --steps N      (just our loop, for valgrind)
//
// run-all.ts calls runCnnStep().
import {
  argNumber, argValue, type BenchOptions, type Figure, figure, formatTable, interleave, isMain, notSlowerThanPython,
  standardOptions,
} from './common.js';
import { cnnTwin, makeInferPass, makeTrainStep, oursCheck } from './cnn.js';

export interface CnnStepOptions extends BenchOptions {
  rounds?: number;
  steps?: number;
}

function timeSteps(step: () => void, n: number): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) step();
  return Number(process.hrtime.bigint() - t) / 1e3 / n;
}

export async function runCnnStep(o: CnnStepOptions): Promise<Figure[]> {
  const rounds = o.rounds ?? (o.quick ? 3 : 15);
  const steps = o.steps ?? (o.quick ? 10 : 20);
  const train = makeTrainStep();
  const py = await cnnTwin(oursCheck(train, makeInferPass()));
  try {
    // Warm-up on both sides (first convolutions pick their algorithms and allocate).
    timeSteps(train.step, 3);
    await py.ask('train 3');
    const res = await interleave(rounds, {
      ours: () => timeSteps(train.step, steps) / 1000,
      python: async () => (await py.ask(`train ${steps}`)) / 1000,
    }, o.log, 'CNN step');
    return [figure({
      benchmark: 'CNN train step (demo CNN, batch 64)', unit: 'ms/step', better: 'lower',
      targets: [notSlowerThanPython(0.03, 'issue')],
      note: `forward + cross_entropy + backward + Adam, batch 64 of 1x28x28, zero_grad(set_to_none=True) on both sides; fastest of ${rounds} interleaved rounds of ${steps} steps; same losses checked first`,
    }, res, 'fastest')];
  } finally {
    py.close();
  }
}

if (isMain(import.meta.url)) {
  if (argValue('--only', '') === 'ours') {
    // For valgrind --tool=callgrind: set up, then just our loop.
    const train = makeTrainStep();
    const n = argNumber('--steps', 20);
    for (let i = 0; i < n; i++) train.step();
  } else {
    const o = standardOptions();
    const figures = await runCnnStep({
      ...o,
      rounds: process.argv.includes('--rounds') ? argNumber('--rounds', 15) : undefined,
      steps: process.argv.includes('--steps') ? argNumber('--steps', 20) : undefined,
    });
    console.log(formatTable(figures));
    for (const f of figures) console.log(`${f.benchmark}: ${f.note}`);
  }
}
