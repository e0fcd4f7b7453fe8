// scripts/article.ts (the seed article's example) against scripts/article.py
// (the Python original) in a short form: the same losses, step for step, in
// the faithful mode (flat target loss) and with --corrected.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareLosses, runArticle, type Losses } from '../../scripts/article.js';
import { python, pythonMissingReason } from '../helpers/python.js';

const EPOCHS = 12;
function pythonLosses(corrected: boolean): Losses {
  const args = ['scripts/article.py', '--json', '--epochs', String(EPOCHS), '--seed', '3'];
  if (corrected) args.push('--corrected');
  return JSON.parse(execFileSync(python!, args, { encoding: 'utf8' })) as Losses;
}

describe.skipIf(!python)(`scripts/article.ts against the Python original${python ? '' : ` (${pythonMissingReason})`}`, () => {
  it('faithful: the same losses; the target loss stays flat', () => {
    const ours = runArticle({ epochs: EPOCHS, seed: 3, corrected: false });
    const theirs = pythonLosses(false);
    expect(ours).toEqual(theirs);
    expect(compareLosses(ours, theirs).identical).toBe(true);
    expect(new Set(ours.target).size).toBe(1);
    expect(ours.source[EPOCHS - 1]).toBeGreaterThan(ours.target[0]!);
  });

  it('--corrected: the same losses; the target loss keeps falling', () => {
    const ours = runArticle({ epochs: EPOCHS, seed: 3, corrected: true });
    const theirs = pythonLosses(true);
    expect(ours).toEqual(theirs);
    for (let i = 1; i < EPOCHS; i++) expect(ours.target[i]!).toBeLessThan(ours.target[i - 1]!);
  });

  it('the command line runs the comparison itself and says why the target loss is flat', () => {
    const out = execFileSync('npx', ['tsx', 'scripts/article.ts', '--epochs', '3', '--compare'], { encoding: 'utf8' });
    expect(out).toContain("All losses match the Python original's, step for step.");
    expect(out).toContain("the second loop steps the optimizer built on source_model's parameters");
    expect(out).toContain('--corrected');
  });
});
