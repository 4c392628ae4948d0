/**
 * Spawning: a pid for a new process, and the process itself.
 *
 * Contract
 * - `create` returns the pid at once, wherever the process goes (placement,
 *   or an explicit owner). Here, with the actor at hand, the process exists
 *   before `create` returns; elsewhere (or known by name only) a spawn
 *   envelope carries it, and it exists once that arrives and its module loads.
 * - A link asked for at spawn is in place on both sides before the child
 *   runs: the parent's half now, the child's in its creation.
 * - Arguments are checked for cloneability wherever the child goes, so
 *   spawning behaves the same on any placement.
 * - The body is called at creation; if its parameter defaults throw, the
 *   child crashes on its first step, as in Erlang, not the parent at spawn.
 */
import { type Actor, type ActorRef, isActor, isActorRef } from '../actor.js';
import { assertCloneable } from '../cloneable.js';
import type { Clock } from '../clock.js';
import { InvalidActorError, InvalidOptionError } from '../errors.js';
import { type Pid, PidAllocator, SCHEDULER_SLOTS } from '../pid.js';
import { Process, type ProcessHost } from '../process.js';
import { SELF } from '../process-api.js';
import type { Placement, Router, SpawnEnvelope } from '../signal.js';
import { BOARD_LAST_SERIAL } from '../status-board.js';
import type { Routing } from './routing.js';
import { CLOCK_EVERY_INITIAL } from './slice.js';

/**
 * The pid that stands for plain code (outside any process) as the sender of
 * an exit signal or the parent of a process: serial 0, which no process ever gets.
 */
export const OUTSIDE = 0 as Pid;

/** What spawning asks of the rest of the scheduler. */
export interface SpawningHost {
  readonly index: number;
  /** The cluster node, written into every pid made here. */
  readonly node: number;
  readonly clock: Clock;
  /** Added to clock readings to record start times as epoch times. */
  readonly epochOffset: number;
  readonly router: Router | undefined;
  readonly placement: Placement | undefined;
  readonly board: Float64Array | undefined;
  readonly table: Map<Pid, Process>;
  readonly routing: Routing;
  /** The scheduler, as its processes see it. */
  readonly processHost: ProcessHost;
  makeRunnable(p: Process): void;
}

export class Spawning {
  private readonly pids: PidAllocator;

  constructor(
    private readonly host: SpawningHost,
    firstSerial: number,
  ) {
    this.pids = new PidAllocator(host.index, firstSerial, host.node);
  }

  /** The last pid serial handed out. */
  get lastSerial(): number {
    return this.pids.lastSerial;
  }

  /**
   * A process for `actor(...args)` on the scheduler placement chooses (or
   * `owner`), linked to `parent` when `link` is set; `trusted` arguments
   * (the runtime's own) skip the cloneability check.
   */
  create(
    actor: Actor<readonly unknown[]> | ActorRef,
    args: readonly unknown[],
    parent: Process | undefined,
    link: boolean,
    owner: number | undefined,
    trusted: boolean,
  ): Pid {
    const host = this.host;
    if (!isActorRef(actor) || ('body' in actor && !isActor(actor))) {
      throw new InvalidActorError('spawn expects an actor made with actor(import.meta.url, name, function* () {...})');
    }
    if (!trusted) assertCloneable(args, 'spawn arguments');
    const where = owner ?? (host.placement === undefined ? host.index : host.placement.place());
    if (where !== host.index && (host.router === undefined || !Number.isInteger(where) || where < 0 || where >= SCHEDULER_SLOTS)) {
      throw new InvalidOptionError('owner', where, 'the index of a scheduler of this runtime');
    }
    const pid = this.pids.next(where);
    if (host.board !== undefined) host.board[BOARD_LAST_SERIAL] = this.pids.lastSerial;
    const linkTo = link && parent !== undefined ? parent.pid : null;
    if (linkTo !== null) (parent!.links ??= new Set()).add(pid);
    const spawnedBy = parent?.pid ?? OUTSIDE;
    if (where === host.index && isActor(actor)) {
      this.createLocal(pid, actor, args, linkTo, spawnedBy);
      return pid;
    }
    const envelope: SpawnEnvelope = { kind: 'spawn', to: pid, module: actor.module, name: actor.name, args, link: linkTo, parent: spawnedBy };
    // Here but known by name only: created once its module is loaded, like a spawn from another thread.
    if (where === host.index) host.routing.acceptSpawn(envelope);
    else host.router!.forward(where, envelope);
    return pid;
  }

  /** Creates a process of this scheduler and queues it; throws if its actor is not a valid one. */
  createLocal(pid: Pid, actor: Actor<readonly unknown[]>, args: readonly unknown[], linkTo: Pid | null, parent: Pid): Process {
    const host = this.host;
    const p = new Process(pid, actor, host.processHost, parent, CLOCK_EVERY_INITIAL);
    p.startedAt = host.epochOffset + host.clock.now();
    p.generator = startBody(actor, args);
    host.table.set(pid, p);
    // Linked before it is queued: the child cannot end unlinked.
    if (linkTo !== null) (p.links ??= new Set()).add(linkTo);
    host.makeRunnable(p);
    return p;
  }
}

/** Calls the body; what its parameter defaults throw is thrown at the child's first step. */
function startBody(actor: Actor<readonly unknown[]>, args: readonly unknown[]): Generator<unknown, unknown, unknown> {
  try {
    return actor.body.apply(SELF, args as unknown[]);
  } catch (error) {
    return (function* failAtFirstStep(): Generator<unknown, unknown, unknown> {
      throw error;
    })();
  }
}
