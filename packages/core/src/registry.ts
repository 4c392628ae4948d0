/**
 * Registered names: at most one process per name and one name per process.
 * A name is released when its process exits.
 *
 * `NameRegistry` is what the scheduler needs; `Registry` keeps the names of
 * one thread in two maps. A runtime of several schedulers gives them all one
 * registry in shared memory instead, so that names are the same everywhere.
 */
import { AlreadyRegisteredError, NameTakenError, NotRegisteredError } from './errors.js';
import { formatPid, type Pid } from './pid.js';

export interface NameRegistry {
  /** Throws `NameTakenError` if `name` is held, `AlreadyRegisteredError` if `pid` holds a name. */
  register(name: string, pid: Pid): void;
  /** Releases `name`; throws `NotRegisteredError` if nobody holds it. Returns the pid that held it. */
  unregister(name: string): Pid;
  whereis(name: string): Pid | undefined;
  nameOf(pid: Pid): string | undefined;
  /** Releases whatever name `pid` holds (on exit). */
  releasePid(pid: Pid): void;
  registered(): string[];
}

export class Registry implements NameRegistry {
  private readonly pids = new Map<string, Pid>();
  private readonly names = new Map<Pid, string>();

  register(name: string, pid: Pid): void {
    if (this.pids.has(name)) throw new NameTakenError(name);
    const current = this.names.get(pid);
    if (current !== undefined) throw new AlreadyRegisteredError(formatPid(pid), current);
    this.pids.set(name, pid);
    this.names.set(pid, name);
  }

  unregister(name: string): Pid {
    const pid = this.pids.get(name);
    if (pid === undefined) throw new NotRegisteredError(name);
    this.pids.delete(name);
    this.names.delete(pid);
    return pid;
  }

  whereis(name: string): Pid | undefined {
    return this.pids.get(name);
  }

  nameOf(pid: Pid): string | undefined {
    return this.names.get(pid);
  }

  releasePid(pid: Pid): void {
    const name = this.names.get(pid);
    if (name === undefined) return;
    this.names.delete(pid);
    this.pids.delete(name);
  }

  registered(): string[] {
    return [...this.pids.keys()];
  }
}
