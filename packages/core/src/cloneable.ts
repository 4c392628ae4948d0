/**
 * Checks, before a message leaves its sender, that structured clone can copy
 * it to another thread, and names the first part that cannot be copied. The
 * check runs at `send` whatever thread the receiver is on, so a program
 * behaves the same wherever the placement put its processes.
 *
 * Cheaper than cloning: primitives return at once, and a small message is a
 * walk over a few properties. Cycles are allowed, as structured clone allows them.
 */
import { UncloneableError } from './errors.js';

/** Values structured clone copies as a whole, without looking inside. */
const LEAVES: readonly (abstract new (...args: never[]) => unknown)[] = [
  Date,
  RegExp,
  ArrayBuffer,
  SharedArrayBuffer,
  Boolean,
  Number,
  String,
  Error,
];
/** Objects structured clone refuses. */
const REFUSED: readonly [abstract new (...args: never[]) => unknown, string][] = [
  [Promise, 'a Promise'],
  [WeakMap, 'a WeakMap'],
  [WeakSet, 'a WeakSet'],
  [WeakRef, 'a WeakRef'],
];

/** Throws `UncloneableError` naming the first part of `value` that cannot be copied between threads. */
export function assertCloneable(value: unknown, what: string): void {
  const type = typeof value;
  if (type !== 'object' && type !== 'function' && type !== 'symbol') return;
  if (value === null) return;
  const problem = findUncloneable(value, what, []);
  if (problem !== undefined) throw new UncloneableError(problem);
}

function findUncloneable(value: unknown, path: string, seen: object[]): string | undefined {
  switch (typeof value) {
    case 'function':
      return `${path} is a function${value.name ? ` (${value.name})` : ''}: functions cannot be copied to another thread; send data, and let the receiver decide what to run`;
    case 'symbol':
      return `${path} is a symbol: symbols cannot be copied to another thread; use a string`;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null || seen.includes(value)) return undefined;
  if (ArrayBuffer.isView(value)) return undefined;
  for (const leaf of LEAVES) if (value instanceof leaf) return undefined;
  for (const [type, name] of REFUSED) {
    if (value instanceof type) return `${path} is ${name}, which cannot be copied to another thread`;
  }
  seen.push(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = findUncloneable(value[i], `${path}[${i}]`, seen);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      const problem = findUncloneable(k, `${path} (a Map key)`, seen) ?? findUncloneable(v, `${path}.get(${String(k)})`, seen);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (value instanceof Set) {
    for (const v of value) {
      const problem = findUncloneable(v, `${path} (a Set member)`, seen);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const problem = findUncloneable((value as Record<string, unknown>)[key], `${path}.${key}`, seen);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
