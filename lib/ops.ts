// torch.ops.aten.<op>.<overload>(...): every ATen operator by name, as in Python.
// torch.ops.aten.add(a, b) picks the overload the arguments fit;
// torch.ops.aten.add.Tensor(a, b, { alpha: 2 }) names it. `.default` is the unnamed overload.
import { callOverloaded, isPlainObject, op, overloadsOf, type Kwargs } from './bridge.js';

export type OpOverload = (...args: unknown[]) => unknown;
export type OpOverloadPacket = OpOverload & { readonly [overload: string]: OpOverload };
export interface OpNamespace {
  readonly [name: string]: OpOverloadPacket;
}

function splitKw(args: unknown[]): [unknown[], Kwargs | undefined] {
  const last = args[args.length - 1];
  return isPlainObject(last) ? [args.slice(0, -1), last] : [args, undefined];
}

function packet(ns: string, name: string): OpOverloadPacket {
  const qualified = `${ns}::${name}`;
  const fn = (...args: unknown[]): unknown => {
    const [pos, kw] = splitKw(args);
    return callOverloaded(qualified, pos, kw);
  };
  return new Proxy(fn, {
    get(target, prop, receiver) {
      if (typeof prop !== 'string' || prop in target) return Reflect.get(target, prop, receiver);
      const overload = prop === 'default' ? '' : prop;
      if (!overloadsOf(qualified).includes(overload)) {
        throw new Error(`unknown operator ${qualified}.${prop}: no such overload (has ${overloadsOf(qualified).map((o) => o || 'default').join(', ')})`);
      }
      const o = op(qualified, overload);
      return (...args: unknown[]): unknown => {
        const [pos, kw] = splitKw(args);
        return o.callKw(pos, kw);
      };
    },
  }) as OpOverloadPacket;
}

function namespace(ns: string): OpNamespace {
  const cache = new Map<string, OpOverloadPacket>();
  return new Proxy({} as OpNamespace, {
    get(_t, name) {
      if (typeof name !== 'string') return undefined;
      let p = cache.get(name);
      if (!p) {
        if (overloadsOf(`${ns}::${name}`).length === 0) throw new Error(`unknown operator ${ns}::${name}`);
        cache.set(name, (p = packet(ns, name)));
      }
      return p;
    },
  });
}

export const ops: { readonly aten: OpNamespace; readonly prim: OpNamespace } = {
  aten: namespace('aten'),
  prim: namespace('prim'),
};
