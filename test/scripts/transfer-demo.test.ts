// scripts/transfer-demo.ts in a reduced form (small k, one epoch, a data
// subset): the pieces connect (the source checkpoint loads into the target,
// frozen parameters stay frozen, every method and k is in the results), the
// checkpoint is one Python's torch.load reads, TypeScript and Python train the
// same source model, and the demo fine-tunes a checkpoint written by
// scripts/transfer_source.py.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { type DemoResults, METHODS, SourceCNN, checkpointEpochs, defaultEpochs, parseArgs, runDemo } from '../../scripts/transfer-demo.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

const DATA = '/usr/share/datasets/fashion-mnist';
const haveData = existsSync(join(DATA, 'train-images-idx3-ubyte.gz'));
const out = mkdtempSync(join(tmpdir(), 'transfer-demo-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The state_dict keys of SourceCNN(n), freeing what it made. */
function keysOf(n: number): string[] {
  const m = new SourceCNN(n);
  const sd = m.state_dict();
  const keys = [...sd.keys()];
  for (const t of sd.values()) t.dispose();
  m.dispose();
  return keys;
}

const TINY = {
  k: [5, 10], epochs: 1, seeds: 1, seed: 3, sourceSamples: 256, testSamples: 200, sourceTestSamples: 200,
  progress: false, log: () => {},
};

describe('transfer-demo helpers', () => {
  it('parses its options', () => {
    expect(parseArgs(['--quick', '--k', '10,50', '--epochs=2', '--source-classes', '1,2', '--target-classes', '0,6', '--out', 'x', '--seed', '4', '--device', 'cpu', '--methods', 'feature,parameter']))
      .toEqual({ quick: true, k: [10, 50], epochs: 2, sourceClasses: [1, 2], targetClasses: [0, 6], out: 'x', seed: 4, device: 'cpu', methods: ['feature', 'parameter'] });
    expect(parseArgs(['--source-checkpoint', 'a.pt']).sourceCheckpoint).toBe('a.pt');
    expect(() => parseArgs(['--k', 'ten'])).toThrow('--k');
    expect(() => parseArgs(['--methods', 'magic'])).toThrow('--methods');
    expect(() => parseArgs(['--bogus'])).toThrow('unknown option');
  });

  it('chooses epochs and checkpoints', () => {
    expect(defaultEpochs(20, false)).toBe(100);
    expect(defaultEpochs(100, false)).toBe(38);
    expect(defaultEpochs(1000, false)).toBe(5);
    expect(defaultEpochs(20, true)).toBe(50);
    expect(checkpointEpochs(1)).toEqual([1]);
    expect(checkpointEpochs(100)).toEqual([13, 25, 50, 100]);
  });
});

describe.skipIf(!haveData)(`the reduced demo${haveData ? '' : ` (skipped: no Fashion-MNIST in ${DATA})`}`, () => {
  let r: DemoResults;
  let liveBefore = 0;
  let liveAfter = 0;
  beforeAll(async () => {
    liveBefore = torch.memory().liveTensors;
    r = await runDemo({ ...TINY, out: join(out, 'ts') });
    liveAfter = torch.memory().liveTensors;
  }, 120_000);

  it('has every method and k in the results JSON, with accuracies, times, epochs and curves', () => {
    const json = JSON.parse(readFileSync(join(out, 'ts', 'results.json'), 'utf8')) as DemoResults;
    for (const k of TINY.k) {
      for (const m of METHODS) {
        const row = json.summary.find((s) => s.k === k && s.method === m);
        expect(row, `${m} k=${k}`).toBeDefined();
        expect(row!.accuracyMean).toBeGreaterThanOrEqual(0);
        expect(row!.accuracyMean).toBeLessThanOrEqual(1);
        expect(row!.trainSecondsMean).toBeGreaterThan(0);
        expect(row!.epochs).toBe(1);
        expect(json.runs.filter((x) => x.k === k && x.method === m)).toHaveLength(1);
      }
    }
    expect(json.runs.every((x) => x.curve.length === 1 && x.curve[0]!.accuracy === x.accuracy)).toBe(true);
    expect(json.target.testImages).toBe(200);
    expect(json.source.trainImages).toBe(256);
    expect(json.findings).toHaveLength(2);
  });

  it('the source checkpoint loads into the target: the backbone loaded, only the new head missing', () => {
    const backbone = keysOf(8).filter((k) => !k.startsWith('classifier.'));
    expect(r.checks.parameterLoad.loaded).toEqual(backbone);
    expect(r.checks.parameterLoad.missing_keys).toEqual(['classifier.weight', 'classifier.bias']);
    expect(r.checks.parameterLoad.unexpected_keys).toEqual([]);
    const sd = torch.load(r.files.checkpoint) as Map<string, Tensor>;
    const model = new SourceCNN(8);
    expect(model.load_state_dict(sd)).toEqual({ missing_keys: [], unexpected_keys: [] });
    model.dispose();
    for (const t of sd.values()) t.dispose();
  });

  it('feature transfer leaves the frozen extractor unchanged; parameter transfer fine-tunes the backbone', () => {
    expect(r.checks.frozenMaxChange).toBe(0);
    expect(r.checks.fineTunedMaxChange).toBeGreaterThan(0);
    const feature = r.runs.find((x) => x.method === 'feature')!;
    const parameter = r.runs.find((x) => x.method === 'parameter')!;
    expect(feature.trainableParams).toBe(32 * 7 * 7 * 2 + 2); // the head only
    expect(parameter.trainableParams).toBeGreaterThan(feature.trainableParams);
  });

  it('writes an SVG plot with every method', () => {
    const svg = readFileSync(r.files.plot!, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const label of ['scratch (MLP)', 'structure transfer', 'parameter transfer', 'feature transfer', 'k=5', 'k=10']) expect(svg).toContain(label);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('frees what it made: no tensors left alive', () => {
    expect(liveAfter).toBeLessThanOrEqual(liveBefore);
  });

  describe.skipIf(!python)(`against Python${python ? '' : ` (${pythonMissingReason})`}`, () => {
    it('Python\'s torch.load(weights_only=True) reads the checkpoint, and the model scores the same there', () => {
      const py = runPython<{ keys: string[]; accuracy: number; svgOk: boolean }>(`
import sys, xml.etree.ElementTree as ET
sys.path.insert(0, 'scripts')
from transfer_source import SourceCNN, load_split, gather, shuffled, accuracy, DEFAULT_DATA
sd = torch.load(${JSON.stringify(r.files.checkpoint)}, weights_only=True)
m = SourceCNN(8); m.load_state_dict(sd)
im, lab = load_split(DEFAULT_DATA, False)
src = ${JSON.stringify(r.source.classes)}
pool = [i for i, l in enumerate(lab) if l in src]
pick = sorted(shuffled(pool, torch.Generator().manual_seed(${TINY.seed + 1}))[:${TINY.sourceTestSamples}])
x, y = gather(im, lab, pick, src)
ET.parse(${JSON.stringify(r.files.plot)})
out = {'keys': list(sd.keys()), 'accuracy': accuracy(m, x, y), 'svgOk': True}
`);
      expect(py.keys).toEqual(keysOf(8));
      expect(py.accuracy).toBe(r.source.accuracy);
      expect(py.svgOk).toBe(true);
    });

    it('scripts/transfer_source.py trains the same source model as the demo, to the same weights', () => {
      const pyOut = join(out, 'same.pt');
      execFileSync(python!, ['scripts/transfer_source.py', '--samples', String(TINY.sourceSamples), '--seed', String(TINY.seed),
        '--test-samples', '10', '--out', pyOut], { encoding: 'utf8' });
      const diff = runPython<number>(`
a = torch.load(${JSON.stringify(pyOut)}); b = torch.load(${JSON.stringify(r.files.checkpoint)})
assert list(a.keys()) == list(b.keys())
out = max((a[k].double() - b[k].double()).abs().max().item() for k in a)
`);
      expect(diff).toBeLessThanOrEqual(1e-5);
    });

    it('fine-tunes a source checkpoint written by Python\'s torch.save', async () => {
      const pyOut = join(out, 'source_py.pt');
      const summary = JSON.parse(execFileSync(python!, ['scripts/transfer_source.py', '--samples', '256', '--seed', '5',
        '--test-samples', '200', '--out', pyOut, '--json'], { encoding: 'utf8' })) as { accuracy: number; keys: string[] };
      expect(summary.keys).toEqual(keysOf(8));
      const rp = await runDemo({ ...TINY, k: [5], seed: 5, sourceCheckpoint: pyOut, out: join(out, 'from-py') });
      expect(rp.source.fromCheckpoint).toBe(pyOut);
      expect(rp.source.trainImages).toBe(0);
      expect(rp.source.accuracy).toBe(summary.accuracy);
      expect(rp.checks.parameterLoad.missing_keys).toEqual(['classifier.weight', 'classifier.bias']);
      expect(rp.checks.frozenMaxChange).toBe(0);
      expect(rp.summary.map((s) => s.method)).toEqual([...METHODS]);
      await expect(runDemo({ ...TINY, k: [5], sourceCheckpoint: pyOut, sourceClasses: [1, 2, 3], out: join(out, 'bad') }))
        .rejects.toThrow('its head has 8 outputs, but there are 3 source classes');
    }, 120_000);
  });

  it('the command line prints the table, the findings and the wall time', () => {
    const text = execFileSync('npx', ['tsx', 'scripts/transfer-demo.ts', '--k', '5', '--epochs', '1', '--seeds', '1', '--source-samples', '128',
      '--test-samples', '100', '--methods', 'structure,feature', '--out', join(out, 'cli'), '--no-progress'], { encoding: 'utf8' });
    expect(text).toMatch(/k\s+method\s+accuracy\s+train time\s+time to baseline\s+epochs\s+trainable params/);
    expect(text).toContain('structure transfer');
    expect(text).toContain('feature transfer');
    expect(text).toMatch(/wall time \d+\.\d s/);
    expect(existsSync(join(out, 'cli', 'transfer.svg'))).toBe(true);
    expect(execFileSync('npx', ['tsx', 'scripts/transfer-demo.ts', '--help'], { encoding: 'utf8' })).toContain('--source-checkpoint');
  }, 60_000);
});
