/**
 * Registered names: at most one process per name and one name per process.
 * A name is released when its process exits.
 */
import { AlreadyRegisteredError, InvalidNameError, NameTakenError, NotRegisteredError } from './errors.js';
import { formatPid, type Pid } from './pid.js';

export class Registry {
  private readonly names = new Map<string, Pid>();

  /** Throws unless `name` is free and `current` (the process's present name) is null. */
  register(name: unknown, pid: Pid, current: string | null): void {
    if (typeof name !== 'string' || name.length === 0) throw new InvalidNameError(name);
    if (this.names.has(name)) throw new NameTakenError(name);
    if (current !== null) throw new AlreadyRegisteredError(formatPid(pid), current);
    this.names.set(name, pid);
  }

  /** Releases `name`; throws if nobody holds it. Returns the pid that held it. */
  unregister(name: unknown): Pid {
    if (typeof name !== 'string' || name.length === 0) throw new InvalidNameError(name);
    const pid = this.names.get(name);
    if (pid === undefined) throw new NotRegisteredError(name);
    this.names.delete(name);
    return pid;
  }

  /** Releases `name` if `pid` holds it (on exit). */
  release(name: string, pid: Pid): void {
    if (this.names.get(name) === pid) this.names.delete(name);
  }

  whereis(name: string): Pid | undefined {
    return this.names.get(name);
  }

  registered(): string[] {
    return [...this.names.keys()];
  }

  clear(): void {
    this.names.clear();
  }
}
