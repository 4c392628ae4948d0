/**
 * Actor definitions.
 *
 * An actor is a generator function wrapped with a stable identity: the URL of
 * the module that defines it and a name unique in that module. Spawning takes
 * the definition, not the bare function, because a scheduler in another
 * thread cannot receive a closure: it imports `module` and looks `name` up.
 *
 * Define actors once, at the top level of a module: that is where another
 * thread finds them after importing the module. Defining two different
 * bodies under one identity throws.
 *
 * ```ts
 * export const Counter = actor(import.meta.url, 'Counter', function* (start: number) {
 *   let n = start;
 *   for (;;) { yield* receive(); n += 1; }
 * });
 * ```
 */
import { InvalidActorError, ModuleLoadError } from './errors.js';
import type { Self } from './self.js';

/**
 * A process body: a generator function of the spawn arguments. It may
 * yield a bare `yield` (a reduction point) or an effect from a helper. Its
 * `this` is the process's typed view of itself: declaring `this: Self<M>`
 * types the actor's messages (see self.ts); an actor that does not accepts
 * any message (`M` is `any`).
 */
export type ProcessBody<A extends readonly unknown[], M = any> = (this: Self<M>, ...args: A) => Generator<unknown, unknown, unknown>;

/** An actor whose processes take spawn arguments `A` and accept messages `M`. */
export interface Actor<A extends readonly unknown[] = readonly unknown[], M = any> {
  /** URL of the defining module (`import.meta.url`). */
  readonly module: string;
  /** Name unique within `module`. */
  readonly name: string;
  readonly body: ProcessBody<A, M>;
  /** A small number unique among this thread's actors, for shared-memory status boards. */
  readonly id: number;
}

/** Told of every actor defined in this thread, with its id: lets a host name what a board's id means. */
export type ActorListener = (actor: Actor<readonly unknown[]>) => void;

const defined = new Map<string, Actor<readonly unknown[]>>();
const listeners: ActorListener[] = [];

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as unknown;

/** Defines an actor. Throws `InvalidActorError` unless `body` is a `function*`. */
export function actor<A extends readonly unknown[], M = any>(module: string, name: string, body: ProcessBody<A, M>): Actor<A, M> {
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
  const key = `${module}#${name}`;
  const existing = defined.get(key);
  if (existing !== undefined && existing.body !== body) {
    throw new InvalidActorError(
      `actor ${JSON.stringify(name)} is defined twice in ${module}: define each actor once, at the top level of its module, so that other threads can find it`,
    );
  }
  if (existing !== undefined) return existing as unknown as Actor<A, M>;
  const definition: Actor<A, M> = Object.freeze({ module, name, body, id: defined.size + 1 });
  defined.set(key, definition as Actor<readonly unknown[]>);
  for (const listener of listeners) listener(definition as Actor<readonly unknown[]>);
  return definition;
}

/** Calls `listener` for every actor defined in this thread so far, and for each one defined later. */
export function onActorDefined(listener: ActorListener): void {
  listeners.push(listener);
  for (const definition of defined.values()) listener(definition);
}

/** The actor defined in this thread under `module` and `name`, if its module has been loaded here. */
export function findActor(module: string, name: string): Actor<readonly unknown[]> | undefined {
  return defined.get(`${module}#${name}`);
}

/** Imports under way, each told if its module's top level halts at the program's entry point. */
const importsUnderWay = new Set<() => void>();

/**
 * Imports `module` in this thread. Resolves with its exports once its top
 * level has run, or with undefined if that top level halted at the
 * program's entry point (see `haltedAtEntryPoint`): then only what it
 * defined before (actors, dirty tasks) is there.
 */
export function importModule(module: string): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve, reject) => {
    const halted = (): void => {
      importsUnderWay.delete(halted);
      resolve(undefined);
    };
    importsUnderWay.add(halted);
    import(module).then(
      (exports: Record<string, unknown>) => {
        importsUnderWay.delete(halted);
        resolve(exports);
      },
      (error: unknown) => {
        importsUnderWay.delete(halted);
        reject(error);
      },
    );
  });
}

/**
 * Told, in a thread that runs actors for a program, that a module's top
 * level has reached the program's entry point (`Strand.start()`) and stops
 * there for good: that module's import never finishes, and neither does the
 * import of any module that depends on it. Every import under way settles
 * with what its module defined so far.
 */
export function haltedAtEntryPoint(): void {
  for (const halted of [...importsUnderWay]) halted();
}

/**
 * Loads `module` in this thread if need be and returns its actor `name`.
 * Rejects with `ModuleLoadError` when the module cannot be loaded (naming
 * the cause and the fix), and with `InvalidActorError` when it does not
 * define the actor at its top level.
 */
export async function loadActor(module: string, name: string): Promise<Actor<readonly unknown[]>> {
  const found = findActor(module, name);
  if (found !== undefined) return found;
  try {
    await importModule(module);
  } catch (error) {
    throw ModuleLoadError.from(module, error);
  }
  const loaded = findActor(module, name);
  if (loaded === undefined) {
    throw new InvalidActorError(
      `${module} does not define actor ${JSON.stringify(name)} at its top level, before \`await Strand.start()\` (where a module's top level stops in the runtime's threads); actors defined inside functions (closures) cannot be spawned on another thread`,
    );
  }
  return loaded;
}

/**
 * An actor named by module and name only: plain data, so it can travel in a
 * message (a child spec sent to a supervisor) and be spawned where it
 * arrives, which loads the module first if need be.
 */
export interface ActorRef {
  readonly module: string;
  readonly name: string;
}

/** The `ActorRef` of an actor. */
export function refOf(actor: ActorRef): ActorRef {
  return { module: actor.module, name: actor.name };
}

export function isActorRef(value: unknown): value is ActorRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ActorRef).module === 'string' &&
    typeof (value as ActorRef).name === 'string'
  );
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
