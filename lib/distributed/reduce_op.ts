// torch.distributed.ReduceOp. The values are c10d's RedOpType numbers, which
// native/distributed.cpp passes straight to c10d::ReduceOp.
export const ReduceOp = {
  SUM: 0,
  AVG: 1,
  PRODUCT: 2,
  MIN: 3,
  MAX: 4,
  BAND: 5,
  BOR: 6,
  BXOR: 7,
} as const;
export type ReduceOp = (typeof ReduceOp)[keyof typeof ReduceOp];

const NAMES = new Map<number, string>(Object.entries(ReduceOp).map(([k, v]) => [v, k]));

/** The op as native code takes it; also accepts the names ('SUM', 'sum'). */
export function reduceOpCode(op: ReduceOp | keyof typeof ReduceOp | Lowercase<keyof typeof ReduceOp>): number {
  if (typeof op === 'number' && NAMES.has(op)) return op;
  if (typeof op === 'string') {
    const code = (ReduceOp as Record<string, number>)[op.toUpperCase()];
    if (code !== undefined) return code;
  }
  throw new Error(`op must be a torch.distributed.ReduceOp (${[...NAMES.values()].join(', ')}), got ${String(op)}`);
}
