// scripts/examples/lora-finetune.ts with a few steps: the loss falls, the saved
// adapters give the same held-out loss in a fresh base, the merged model gives
// the adapted model's logits; with --checkpoint (from the command line) the
// losses are the ones without checkpointing, step for step.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FinetuneResult, finetune, parseArgs } from '../../scripts/examples/lora-finetune.js';

const STEPS = 20;
const EVERY = 5;

describe('scripts/examples/lora-finetune.ts', () => {
  let r: FinetuneResult;
  const lines: string[] = [];
  beforeAll(() => {
    r = finetune({ steps: STEPS, logEvery: EVERY, log: (l) => lines.push(l) });
  }, 120_000);

  it('parses its options', () => {
    expect(parseArgs(['--steps', '7', '--checkpoint', '--lr', '0.5', '--log-every', '2'])).toEqual({ steps: 7, checkpoint: true, lr: 0.5, logEvery: 2 });
    expect(() => parseArgs(['--steps', 'many'])).toThrow('--steps expects a positive integer, got many');
    expect(() => parseArgs(['--steps', '0'])).toThrow('--steps');
    expect(() => parseArgs(['--bogus'])).toThrow('unknown option --bogus');
  });

  it('the training loss falls and the held-out loss with it', () => {
    expect(r.trainLosses.map(([s]) => s)).toEqual([5, 10, 15, 20]);
    const losses = r.trainLosses.map(([, l]) => l);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! - 0.3);
    expect(r.evalAfter).toBeLessThan(r.evalBefore - 0.3);
    expect(lines.filter((l) => /^step +\d+: loss \d/.test(l))).toHaveLength(4);
  });

  it("saves only the adapters (lora_A/lora_B of each block's c_attn) and they reload to the same held-out loss", () => {
    expect(r.adapterKeys).toEqual([0, 1].flatMap((i) => ['A', 'B'].map((ab) => `base_model.model.transformer.h.${i}.attn.c_attn.lora_${ab}.weight`)));
    expect(Math.abs(r.evalReloaded - r.evalAfter)).toBeLessThan(1e-6);
  });

  it("merge_and_unload gives the adapted model's logits", () => {
    expect(r.mergeMaxDiff).toBeLessThan(1e-4);
    expect(lines.some((l) => l.startsWith('merge_and_unload: GPT2LMHeadModel with no LoRA layers left: true'))).toBe(true);
  });

  it('from the command line with --checkpoint: the same losses, step for step', () => {
    const out = execFileSync('npx', ['tsx', 'scripts/examples/lora-finetune.ts', '--steps', String(STEPS), '--log-every', String(EVERY), '--checkpoint'], {
      encoding: 'utf8',
    });
    expect(out).toContain('(gradient checkpointing on)');
    const stepLines = out.split('\n').filter((l) => l.startsWith('step '));
    expect(stepLines).toEqual(lines.filter((l) => l.startsWith('step ')));
    expect(out).toMatch(/reloaded into a fresh base: held-out loss [\d.]+ \(\|difference\| 0\.00e\+0\)/);
  }, 120_000);
});
