// Inference: the transfer demo's CNN (SourceCNN from scripts/transfer-demo.ts) on
// the 10,000 Fashion-MNIST test images in batches of 256 under no_grad, eval mode
// (forward and argmax), against the same pass in Python (scripts/bench/cnn.py),
// rounds interleaved. Same kernels on both sides: the target is within 3% of
// Python's time, as for the compute-bound training step.
//
//   npx tsx scripts/bench/inference.ts [--quick] [--rounds 11] [--passes 1]
//   npx tsx scripts/bench/inference.ts --only ours --batches K    (just K batches of our loop, for valgrind)
//
// run-all.ts calls runInference().
import {
  argNumber, argValue, type BenchOptions, type Figure, figure, formatTable, interleave, isMain, notSlowerThanPython,
  standardOptions,
} from './common.js';
import { cnnTwin, makeInferPass, makeTrainStep, oursCheck } from './cnn.js';

export interface InferenceOptions extends BenchOptions {
  rounds?: number;
  /** Passes over the 10,000 images per round. */
  passes?: number;
}

function timePasses(pass: () => void, n: number): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) pass();
  return Number(process.hrtime.bigint() - t) / 1e6 / n;
}

export async function runInference(o: InferenceOptions): Promise<Figure[]> {
  const rounds = o.rounds ?? (o.quick ? 3 : 11);
  const passes = o.passes ?? 1;
  const infer = makeInferPass();
  const py = await cnnTwin(oursCheck(makeTrainStep(), infer));
  try {
    timePasses(infer.pass, 1);
    await py.ask('infer 1');
    const res = await interleave(rounds, {
      ours: () => timePasses(infer.pass, passes),
      python: async () => py.ask(`infer ${passes}`),
    }, o.log, 'inference');
    return [figure({
      benchmark: 'inference (10,000 images, batch 256)', unit: 'ms/pass', better: 'lower',
      targets: [notSlowerThanPython(0.03, 'derived')],
      note: `demo CNN, eval mode, no_grad, forward + argmax over the Fashion-MNIST test split; fastest of ${rounds} interleaved rounds of ${passes} pass(es); same predictions checked first`,
    }, res, 'fastest')];
  } finally {
    py.close();
  }
}

if (isMain(import.meta.url)) {
  if (argValue('--only', '') === 'ours') {
    makeInferPass().batches(argNumber('--batches', 4));
  } else {
    const o = standardOptions();
    const figures = await runInference({
      ...o,
      rounds: process.argv.includes('--rounds') ? argNumber('--rounds', 11) : undefined,
      passes: process.argv.includes('--passes') ? argNumber('--passes', 1) : undefined,
    });
    console.log(formatTable(figures));
    for (const f of figures) console.log(`${f.benchmark}: ${f.note}`);
  }
}
