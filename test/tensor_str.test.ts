// Compares tensorRepr against Python's repr() for the cases recorded by
// scripts/fixtures/tensor_str.py (regenerate with /usr/bin/python3).
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { formatExp, formatFixed, set_printoptions, tensorRepr } from '../lib/tensor_str.js';
import type { DTypeName, PrintOptions, TensorReprInput } from '../lib/tensor_str.js';

type JsonValue = number | string | boolean;

interface Fixture {
  name: string;
  shape: number[];
  dtype: DTypeName;
  values: JsonValue[];
  device: string;
  requiresGrad: boolean;
  gradFn: string | null;
  isParameter: boolean;
  options: PrintOptions;
  expected: string;
}

const fixtures: Fixture[] = JSON.parse(
  readFileSync(new URL('./fixtures/tensor_str.json', import.meta.url), 'utf8'),
) as Fixture[];

/** Undoes the JSON encoding: int64 as strings, nan/inf as strings. */
function decodeValue(v: JsonValue, dtype: DTypeName): number | bigint | boolean {
  if (dtype === 'int64') return BigInt(v as string);
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v as number | boolean;
}

function toInput(f: Fixture, values: ArrayLike<number | bigint | boolean>): TensorReprInput {
  return {
    shape: f.shape,
    dtype: f.dtype,
    values,
    device: f.device,
    requiresGrad: f.requiresGrad,
    gradFn: f.gradFn,
    isParameter: f.isParameter,
  };
}

function reprOf(f: Fixture, values: ArrayLike<number | bigint | boolean>): string {
  set_printoptions(f.options);
  return tensorRepr(toInput(f, values));
}

afterEach(() => set_printoptions({ profile: 'default' }));

describe('tensorRepr matches Python repr()', () => {
  it('has enough fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(60);
  });

  for (const f of fixtures) {
    it(f.name, () => {
      const values = f.values.map((v) => decodeValue(v, f.dtype));
      expect(reprOf(f, values)).toBe(f.expected);
    });
  }

  // The other value encodings the interface allows.
  for (const f of fixtures.filter((c) => c.dtype === 'int64')) {
    it(`${f.name} (BigInt64Array)`, () => {
      const values = BigInt64Array.from(f.values.map((v) => BigInt(v as string)));
      expect(reprOf(f, values)).toBe(f.expected);
    });
  }
  for (const f of fixtures.filter((c) => c.dtype === 'bool')) {
    it(`${f.name} (0/1 numbers)`, () => {
      const values = Uint8Array.from(f.values.map((v) => (v ? 1 : 0)));
      expect(reprOf(f, values)).toBe(f.expected);
    });
  }
});

describe('Python float formatting', () => {
  it('rounds exact ties half to even', () => {
    expect(formatFixed(0.125, 2)).toBe('0.12');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatExp(1.03125, 4)).toBe('1.0312e+00');
  });

  it('keeps the sign of values that round to zero', () => {
    expect(formatFixed(-0.00001, 4)).toBe('-0.0000');
    expect(formatFixed(-0, 0)).toBe('-0');
    expect(formatExp(-0, 2)).toBe('-0.00e+00');
  });

  it('prints every digit of large values and 3-digit exponents', () => {
    expect(formatFixed(1e21, 1)).toBe('1000000000000000000000.0');
    expect(formatExp(1e300, 4)).toBe('1.0000e+300');
    expect(formatExp(5e-324, 4)).toBe('4.9407e-324');
    expect(formatExp(9.99995, 4)).toBe('1.0000e+01'); // rounding carries into a new digit
    expect(formatExp(99999.5, 4)).toBe('1.0000e+05');
  });

  it('spells non-finite values like Python', () => {
    expect(formatFixed(NaN, 4)).toBe('nan');
    expect(formatExp(-Infinity, 4)).toBe('-inf');
  });
});
