/**
 * Which actors are supervisors: every `supervisor(...)` and
 * `dynamicSupervisor(...)` definition made in this thread, by module and
 * actor name, so that code looking at process listings (`processInfo`
 * gives `module` and `actor`) can tell supervisors from other processes
 * and ask them for their children. A definition is known in the threads
 * that imported its module: in the main thread, those the program imports.
 */
export type SupervisorKind = 'supervisor' | 'dynamic';

const kinds = new Map<string, SupervisorKind>();

/** Records a supervisor definition; called by `supervisor` and `dynamicSupervisor`. */
export function rememberSupervisor(module: string, name: string, kind: SupervisorKind): void {
  kinds.set(`${module}#${name}`, kind);
}

/** The kind of supervisor an actor (`module`, `name` as in `ProcessInfo`) is, or undefined if it is not one known here. */
export function supervisorKindOf(module: string, name: string): SupervisorKind | undefined {
  return kinds.get(`${module}#${name}`);
}
