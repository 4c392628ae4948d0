/**
 * Process identifiers.
 *
 * A pid is a plain number so that it is cheap to compare, to use as a map key
 * and to copy between threads with structured clone. It packs four fields:
 *
 *     pid = node × 2^45 + serial × 4096 + allocator × 64 + owner
 *
 * - `node`: the node of a cluster the process lives on (0 to 255); 0 outside
 *   a cluster, so a runtime of one machine has exactly the pids it always had.
 *   A pid of another node is routed to that node (see `Router.forwardRemote`).
 * - `owner`: the scheduler the process lives on; messages and signals to the
 *   pid are routed there.
 * - `allocator`: the scheduler that made the pid. A process spawned on
 *   another scheduler gets its pid at once, from its parent's scheduler, so
 *   `spawn` never waits for another thread.
 * - `serial`: counts up per allocator and is never reused, so a stale pid can
 *   only ever address a dead process. The pids one allocator makes for one
 *   owner reach that owner in increasing order, which is how an owner tells
 *   "not created yet" from "already dead".
 */

declare const pidBrand: unique symbol;
declare const accepts: unique symbol;

/**
 * Identifies one process. Only the runtime makes pids; `isPid` checks the shape.
 *
 * `Pid<M>` is the pid of a process that accepts messages of type `M` (Akka
 * Typed's `ActorRef[T]`, Gleam's `Subject(msg)`): `send` refuses anything
 * else at compile time. The type lives only in the compiler (a phantom
 * member that no pid has), so a typed pid is the same number at run time.
 * It is contravariant: a `Pid<A | B>` may stand where a `Pid<A>` is wanted,
 * not the other way round. Plain `Pid` (`Pid<any>`) is the untyped pid.
 */
// `any` by default so that untyped code and typed code mix freely; `unknown` would make `Pid<X>` unassignable to `Pid`.
export type Pid<M = any> = number & { readonly [pidBrand]: true; readonly [accepts]?: (message: M) => void };

/** How many schedulers a pid can name: 64, far above the core counts Strand targets. */
export const SCHEDULER_SLOTS = 64;

/**
 * How many nodes a pid can name: 256 (node 0 is the runtime outside a
 * cluster). Eight bits leave 33 for the serial: 8.6 billion spawns per
 * scheduler thread, days of a thread spawning 100,000 processes a second.
 */
export const NODE_SLOTS = 256;

const SERIAL_UNIT = SCHEDULER_SLOTS * SCHEDULER_SLOTS;
/** Serials per allocator: what the 53 bits of a safe integer leave after node, allocator and owner. */
const SERIAL_SLOTS = 2 ** 33;
const MAX_SERIAL = SERIAL_SLOTS - 1;
const NODE_UNIT = SERIAL_UNIT * SERIAL_SLOTS;

/** True when `value` has the shape of a pid (a non-negative safe integer). */
export function isPid(value: unknown): value is Pid {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The index of the scheduler that owns `pid`. */
export function ownerOf(pid: Pid): number {
  return pid % SCHEDULER_SLOTS;
}

/** The index of the scheduler that made `pid`. */
export function allocatorOf(pid: Pid): number {
  return Math.floor(pid / SCHEDULER_SLOTS) % SCHEDULER_SLOTS;
}

/** The serial number of `pid` within its allocator. */
export function serialOf(pid: Pid): number {
  return Math.floor(pid / SERIAL_UNIT) % SERIAL_SLOTS;
}

/** The cluster node `pid` lives on; 0 outside a cluster. */
export function nodeOf(pid: Pid): number {
  return Math.floor(pid / NODE_UNIT);
}

/**
 * Erlang-style text for logs and the observer: `<owner.serial.allocator>`,
 * and `<node:owner.serial.allocator>` for a pid of a cluster node.
 */
export function formatPid(pid: Pid): string {
  const node = nodeOf(pid);
  return `<${node === 0 ? '' : `${node}:`}${ownerOf(pid)}.${serialOf(pid)}.${allocatorOf(pid)}>`;
}

/** Makes pids on behalf of one scheduler. */
export class PidAllocator {
  private readonly base: number;

  constructor(
    index: number,
    private serial = 0,
    node = 0,
  ) {
    this.base = node * NODE_UNIT + index * SCHEDULER_SLOTS;
  }

  /** The last serial handed out: a replacement scheduler continues from here. */
  get lastSerial(): number {
    return this.serial;
  }

  /** A new pid for a process that will live on scheduler `owner`. */
  next(owner: number): Pid {
    if (this.serial >= MAX_SERIAL) throw new RangeError('pid space exhausted');
    this.serial += 1;
    return (this.base + this.serial * SERIAL_UNIT + owner) as Pid;
  }
}
