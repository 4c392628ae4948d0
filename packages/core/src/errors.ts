/**
 * The errors the process API throws for bad input. Each has a stable `code`
 * so callers can branch on it, and none of them leaves the runtime in a
 * broken state: the call that threw had no effect.
 */

export type StrandErrorCode =
  | 'ERR_STRAND_INVALID_ACTOR'
  | 'ERR_STRAND_INVALID_PID'
  | 'ERR_STRAND_INVALID_TIMEOUT'
  | 'ERR_STRAND_INVALID_NAME'
  | 'ERR_STRAND_INVALID_OPTION'
  | 'ERR_STRAND_INVALID_EFFECT'
  | 'ERR_STRAND_INVALID_REASON'
  | 'ERR_STRAND_INVALID_MATCHER'
  | 'ERR_STRAND_NAME_TAKEN'
  | 'ERR_STRAND_ALREADY_REGISTERED'
  | 'ERR_STRAND_NOT_REGISTERED'
  | 'ERR_STRAND_NOPROC'
  | 'ERR_STRAND_NOT_IN_PROCESS'
  | 'ERR_STRAND_STOPPED'
  | 'ERR_STRAND_UNCLONEABLE'
  | 'ERR_STRAND_CALL_TIMEOUT'
  | 'ERR_STRAND_CALL_FAILED'
  | 'ERR_STRAND_START_FAILED'
  | 'ERR_STRAND_TASK_FAILED'
  | 'ERR_STRAND_TASK_TIMEOUT'
  | 'ERR_STRAND_MAX_CHILDREN'
  | 'ERR_STRAND_MODULE_LOAD'
  // Other packages name their own errors the same way.
  | `ERR_STRAND_${Uppercase<string>}`;

/** Base class of every error the runtime throws on purpose. */
export class StrandError extends Error {
  constructor(
    readonly code: StrandErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** `spawn` was given something that is not an actor made by `actor()`, or `actor()` a non-generator. */
export class InvalidActorError extends StrandError {
  constructor(message: string) {
    super('ERR_STRAND_INVALID_ACTOR', message);
  }
}

/** A pid argument is not a pid (see `isPid`). */
export class InvalidPidError extends StrandError {
  constructor(value: unknown) {
    super('ERR_STRAND_INVALID_PID', `expected a pid, got ${describe(value)}`);
  }
}

/** A timeout is not a non-negative finite number of milliseconds (or Infinity where allowed). */
export class InvalidTimeoutError extends StrandError {
  constructor(value: unknown) {
    super('ERR_STRAND_INVALID_TIMEOUT', `expected a timeout in milliseconds (a number >= 0), got ${describe(value)}`);
  }
}

/** A registered name is not a non-empty string. (A destination that is neither a pid nor a name is an `InvalidPidError`.) */
export class InvalidNameError extends StrandError {
  constructor(value: unknown) {
    super('ERR_STRAND_INVALID_NAME', `expected a non-empty string name, got ${describe(value)}`);
  }
}

/** A runtime option is out of range or of the wrong type. */
export class InvalidOptionError extends StrandError {
  constructor(option: string, value: unknown, expected: string) {
    super('ERR_STRAND_INVALID_OPTION', `option ${option} must be ${expected}, got ${describe(value)}`);
  }
}

/** A process yielded something that is not an effect (for example a promise). */
export class InvalidEffectError extends StrandError {
  constructor(value: unknown) {
    super(
      'ERR_STRAND_INVALID_EFFECT',
      `a process yielded ${describe(value)}; use a bare \`yield\` to let others run and \`yield*\` with an effect helper such as receive() or sleep()`,
    );
  }
}

/** `receive` was given a matcher that is neither a predicate nor a pattern object. */
export class InvalidMatcherError extends StrandError {
  constructor(value: unknown) {
    super('ERR_STRAND_INVALID_MATCHER', `a matcher is a predicate function or a pattern object, got ${describe(value)}`);
  }
}

/** `exit` was given something that is not an exit reason. */
export class InvalidExitReasonError extends StrandError {
  constructor(value: unknown) {
    super(
      'ERR_STRAND_INVALID_REASON',
      `expected an exit reason ('normal', 'shutdown', 'kill', { shutdown: x }, { error: info } or an Error), got ${describe(value)}`,
    );
  }
}

/** `register` was given a name another process holds. */
export class NameTakenError extends StrandError {
  constructor(name: string) {
    super('ERR_STRAND_NAME_TAKEN', `the name ${JSON.stringify(name)} is already registered`);
  }
}

/** `register` was given a process that already has a name. */
export class AlreadyRegisteredError extends StrandError {
  constructor(pid: string, name: string) {
    super('ERR_STRAND_ALREADY_REGISTERED', `process ${pid} is already registered as ${JSON.stringify(name)}`);
  }
}

/** `send` or `unregister` named a name that nobody holds. */
export class NotRegisteredError extends StrandError {
  constructor(name: string) {
    super('ERR_STRAND_NOT_REGISTERED', `no process is registered as ${JSON.stringify(name)}`);
  }
}

/** The operation needs a live process and the pid names none (for example `register`). */
export class NoProcError extends StrandError {
  constructor(pid: string) {
    super('ERR_STRAND_NOPROC', `no process ${pid}`);
  }
}

/** A process-only function (`self`, `receive`…) was called outside a running process. */
export class NotInProcessError extends StrandError {
  constructor(fn: string) {
    super('ERR_STRAND_NOT_IN_PROCESS', `${fn}() can only be called from inside a running process; from plain code use the scheduler's methods`);
  }
}

/** The scheduler was stopped and takes no new work. */
export class StoppedError extends StrandError {
  constructor() {
    super('ERR_STRAND_STOPPED', 'the scheduler is stopped');
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `${typeof value} ${String(value)}`;
}

/** A message or spawn argument holds something structured clone cannot copy to another thread. */
export class UncloneableError extends StrandError {
  constructor(problem: string) {
    super('ERR_STRAND_UNCLONEABLE', problem);
  }
}

/**
 * An actor's module could not be loaded in the thread that was to run it.
 * The message names the module, the cause and the fix; the process exits
 * with this error as its reason, so links, monitors and `awaitExit` see it.
 */
export class ModuleLoadError extends StrandError {
  constructor(
    readonly module: string,
    readonly causeMessage: string,
    readonly fix: string,
  ) {
    super('ERR_STRAND_MODULE_LOAD', `cannot load ${module} in a scheduler thread: ${causeMessage}. ${fix}`);
  }

  /** Builds the error for what `import(module)` threw, with the fix that cause calls for. */
  static from(module: string, thrown: unknown): ModuleLoadError {
    const code = (thrown as { code?: unknown } | null)?.code;
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return new ModuleLoadError(module, message, fixFor(code, thrown));
  }
}

function fixFor(code: unknown, thrown: unknown): string {
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return 'The thread has no loader for this file type: run the program under tsx (`npx tsx app.ts` or `node --import tsx app.ts`), whose loader Strand passes on to its threads, compile it to JavaScript, or give Strand.start a `preload` module that registers your loader';
  }
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return 'The module, or one it imports, cannot be found from the thread: check the path and that its dependencies are installed';
  }
  if (thrown instanceof SyntaxError) return 'The module does not parse: fix the syntax error, or give the threads the loader its language needs (`preload`)';
  return 'Its top level threw while loading in the thread: code before `await Strand.start()` runs in every thread that loads the module, so keep it to definitions';
}
