/**
 * Why a process ended. A closed union, so that code which reacts to exits
 * (links, monitors, supervisors) can be checked for exhaustiveness.
 *
 * | reason               | meaning                                                                 | abnormal |
 * |----------------------|-------------------------------------------------------------------------|----------|
 * | `'normal'`           | the generator returned                                                  | no       |
 * | `'shutdown'`         | asked to stop by its owner (a supervisor, `scheduler.stop()`)           | yes, but not reported as a crash |
 * | `{ shutdown: x }`    | a shutdown that carries extra information                               | yes, idem |
 * | `'kill'`             | only as the argument of `exit(pid, 'kill')`: cannot be trapped          | –        |
 * | `'killed'`           | what others see of a process ended by `'kill'`                          | yes      |
 * | `'noproc'`           | the process did not exist (monitor of a dead pid)                       | yes      |
 * | `'noconnection'`     | the process was lost with its scheduler thread (or, later, its node)    | yes      |
 * | `{ error: info }`    | an uncaught exception, with its name, message and stack                 | yes      |
 *
 * Every variant is a plain value so that it survives structured clone between
 * threads unchanged.
 */

/** What is kept of an uncaught exception: enough to log and to match on. */
export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type ExitReason =
  | 'normal'
  | 'shutdown'
  | 'kill'
  | 'killed'
  | 'noproc'
  | 'noconnection'
  | { readonly shutdown: unknown }
  | { readonly error: ErrorInfo };

/** What `exit(pid, reason)` accepts: any exit reason, or an `Error` (turned into `{ error }`). */
export type ExitReasonInput = ExitReason | Error;

/**
 * What `exit(reason)` (one argument) throws: ends the calling process with
 * `reason`, as Erlang's `exit/1`. It unwinds `finally` blocks on the way
 * and can be caught like any exception.
 */
export class ProcessExit extends Error {
  constructor(readonly reason: ExitReason) {
    super(`process exit: ${typeof reason === 'string' ? reason : JSON.stringify(reason)}`);
    this.name = 'ProcessExit';
  }
}

/** Turns a thrown value into an `{ error }` reason. */
export function errorReason(thrown: unknown): { readonly error: ErrorInfo } {
  if (thrown instanceof Error) {
    const info: ErrorInfo = thrown.stack === undefined
      ? { name: thrown.name, message: thrown.message }
      : { name: thrown.name, message: thrown.message, stack: thrown.stack };
    return { error: info };
  }
  return { error: { name: 'Error', message: `non-error thrown: ${safeString(thrown)}` } };
}

/** Validates and normalises what the user passed to `exit`; undefined when it is not a reason. */
export function toExitReason(input: unknown): ExitReason | undefined {
  if (input instanceof Error) return errorReason(input);
  if (input === 'normal' || input === 'shutdown' || input === 'kill' || input === 'killed' || input === 'noproc' || input === 'noconnection') {
    return input;
  }
  if (typeof input === 'object' && input !== null) {
    if ('shutdown' in input) return input as { shutdown: unknown };
    if ('error' in input) {
      const info = (input as { error: unknown }).error;
      if (typeof info === 'object' && info !== null && typeof (info as ErrorInfo).message === 'string') {
        return input as { error: ErrorInfo };
      }
    }
  }
  return undefined;
}

/** True for every reason but `'normal'`: an abnormal exit takes linked processes down. */
export function isAbnormal(reason: ExitReason): boolean {
  return reason !== 'normal';
}

/** Short text for logs. */
export function formatExitReason(reason: ExitReason): string {
  if (typeof reason === 'string') return reason;
  if ('error' in reason) return `${reason.error.name}: ${reason.error.message}`;
  return `shutdown(${safeString(reason.shutdown)})`;
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
