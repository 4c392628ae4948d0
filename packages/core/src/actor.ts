/**
 * Actor definitions.
 *
 * An actor is a generator function wrapped with a stable identity: the URL of
 * the module that defines it and a name unique in that module. Spawning takes
 * the definition, not the bare function, because a scheduler in another
 * thread cannot receive a closure: it imports `module` and looks `name` up.
 *
 * ```ts
 * export const Counter = actor(import.meta.url, 'Counter', function* (start: number) {
 *   let n = start;
 *   for (;;) { yield* receive(); n += 1; }
 * });
 * ```
 */
import { InvalidActorError } from './errors.js';

/** What a process body may yield: a bare `yield` (a reduction point) or an effect from a helper. */
export type ProcessBody<A extends readonly unknown[]> = (...args: A) => Generator<unknown, unknown, unknown>;

export interface Actor<A extends readonly unknown[] = readonly unknown[]> {
  /** URL of the defining module (`import.meta.url`). */
  readonly module: string;
  /** Name unique within `module`. */
  readonly name: string;
  readonly body: ProcessBody<A>;
}

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as unknown;

/** Defines an actor. Throws `InvalidActorError` unless `body` is a `function*`. */
export function actor<A extends readonly unknown[]>(module: string, name: string, body: ProcessBody<A>): Actor<A> {
  if (typeof module !== 'string' || module.length === 0) {
    throw new InvalidActorError('actor(module, name, body): module must be the defining module URL (import.meta.url)');
  }
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidActorError('actor(module, name, body): name must be a non-empty string');
  }
  if (!isGeneratorFunction(body)) {
    throw new InvalidActorError(
      `actor ${JSON.stringify(name)}: body must be a generator function (function*), got ${describeBody(body)}`,
    );
  }
  return Object.freeze({ module, name, body });
}

/** True for values made by `actor()` (or of the same shape). */
export function isActor(value: unknown): value is Actor<readonly unknown[]> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Actor).module === 'string' &&
    typeof (value as Actor).name === 'string' &&
    isGeneratorFunction((value as Actor).body)
  );
}

function isGeneratorFunction(value: unknown): boolean {
  return typeof value === 'function' && value instanceof (GeneratorFunction as typeof Function);
}

function describeBody(value: unknown): string {
  if (typeof value !== 'function') return typeof value;
  if (value.constructor?.name === 'AsyncGeneratorFunction') return 'an async generator function (async function*); processes are synchronous generators';
  if (value.constructor?.name === 'AsyncFunction') return 'an async function; use function* and yield* receive()/sleep() instead of await';
  return 'a plain function';
}
