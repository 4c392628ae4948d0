/**
 * Checks, before a message leaves its sender, that structured clone can copy
 * it to another thread, and names the first part that cannot be copied. The
 * check runs at `send` whatever thread the receiver is on, so a program
 * behaves the same wherever the placement put its processes.
 *
 * It is on every send, so the common case is made cheap: primitives return
 * at once, and plain objects and arrays are walked without allocating
 * anything. Only when something is wrong is the value walked again to build
 * the path that names it. Cycles are allowed, as structured clone allows
 * them: past `SHALLOW_DEPTH` levels the walk keeps a set of what it has seen.
 */
import { UncloneableError } from './errors.js';

/** Levels walked without cycle tracking; a deeper value is walked again with a seen-set. */
const SHALLOW_DEPTH = 32;

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
  const fine = shallowCheck(value, 0);
  if (fine === true) return;
  const problem = findUncloneable(value, what, new Set());
  if (problem !== undefined) throw new UncloneableError(problem);
}

/** True if cloneable, false if not, undefined if too deep to tell without tracking cycles. */
function shallowCheck(value: unknown, depth: number): boolean | undefined {
  switch (typeof value) {
    case 'function':
    case 'symbol':
      return false;
    case 'object':
      break;
    default:
      return true;
  }
  if (value === null) return true;
  if (depth > SHALLOW_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' || typeof item === 'function' || typeof item === 'symbol') {
        const fine = shallowCheck(item, depth + 1);
        if (fine !== true) return fine;
      }
    }
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const kind = classify(value);
    // A Map, a Set or a class instance: the full walk looks inside.
    return kind === 'leaf' ? true : kind === undefined ? undefined : false;
  }
  for (const key in value) {
    const item: unknown = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' || typeof item === 'function' || typeof item === 'symbol') {
      const fine = shallowCheck(item, depth + 1);
      if (fine !== true) return fine;
    }
  }
  return true;
}

/** For an object that is not plain: 'leaf' (copied whole), a refusal text, or undefined (look inside). */
function classify(value: object): 'leaf' | string | undefined {
  if (ArrayBuffer.isView(value)) return 'leaf';
  for (const leaf of LEAVES) if (value instanceof leaf) return 'leaf';
  for (const [type, name] of REFUSED) if (value instanceof type) return name;
  return undefined;
}

function findUncloneable(value: unknown, path: string, seen: Set<object>): string | undefined {
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
  if (value === null || seen.has(value)) return undefined;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = findUncloneable(value[i], `${path}[${i}]`, seen);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  const kind = Object.getPrototypeOf(value) === Object.prototype ? undefined : classify(value);
  if (kind === 'leaf') return undefined;
  if (kind !== undefined) return `${path} is ${kind}, which cannot be copied to another thread`;
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
