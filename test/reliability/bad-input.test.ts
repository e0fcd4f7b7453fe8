// Bad input never takes the process down: every public function family gets
// wrong types, wrong shapes, NaN and Infinity, negative and huge sizes (allocation
// failure), disposed tensors, mismatched devices and dtypes, and each case must
// end in a JS Error whose message says what was wrong (the cases and the words
// expected are in scripts/reliability/bad-input-cases.ts, shared with the counter
// script scripts/reliability/bad-input.ts).
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { BAD_INPUT_CASES, tryCase } from '../../scripts/reliability/bad-input-cases.js';

const families = [...new Set(BAD_INPUT_CASES.map((c) => c.family))];

describe('bad input gives a JS Error that says what was wrong', () => {
  it('covers every family with hundreds of cases', () => {
    expect(families).toEqual(expect.arrayContaining([
      'factories', 'tensor ops', 'autograd', 'nn constructors', 'nn forward', 'losses', 'functional', 'nn.init',
      'optimizers', 'lr schedulers', 'data', 'vision', 'devices', 'serialization',
    ]));
    expect(BAD_INPUT_CASES.length).toBeGreaterThan(400);
  });

  for (const family of families) {
    it(family, async () => {
      const before = torch.memory().liveTensors;
      const bad: string[] = [];
      for (const c of BAD_INPUT_CASES.filter((k) => k.family === family)) {
        const o = await tryCase(c);
        if (o.kind !== 'error') bad.push(`${o.kind}: ${o.name}: ${o.message.split('\n')[0]}`);
      }
      expect(bad).toEqual([]);
      expect(torch.memory().liveTensors).toBe(before);
    });
  }

  it('the process still computes afterwards', () => {
    expect(torch.scope(() => torch.ones(2).add(1).tolist())).toEqual([2, 2]);
  });
});
