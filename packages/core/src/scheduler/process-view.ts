/**
 * What `processInfo` shows of a process: of a live one, and of one whose
 * spawn has arrived but whose module is still loading (it exists; it has
 * not run yet). And what `mailboxPreview` shows of its mailbox.
 */
import { assertCloneable } from '../cloneable.js';
import type { Pid } from '../pid.js';
import { type Process, WAITING } from '../process.js';
import type { ProcessInfo } from '../process-info.js';
import { MATCH_NOTHING } from '../receive.js';
import type { Envelope, SpawnEnvelope } from '../signal.js';

const STATUS_NAMES = ['runnable', 'running', 'waiting', 'exiting'] as const;

export function viewOf(p: Process, registeredName: string | undefined): ProcessInfo {
  return {
    pid: p.pid,
    status: STATUS_NAMES[p.status as 0 | 1 | 2 | 3],
    reductions: p.reductions,
    mailboxLength: p.mailbox?.size ?? 0,
    links: p.links === null ? [] : [...p.links],
    monitors: p.monitors === null ? [] : [...p.monitors.values()],
    monitoredBy: p.monitoredBy === null ? [] : [...p.monitoredBy.values()],
    registeredName,
    actor: p.actor.name,
    module: p.actor.module,
    trapExit: p.trapExit,
    cpuMs: p.cpu,
    startedAt: p.startedAt,
    waitingIn: p.status !== WAITING ? undefined : p.receive?.match === MATCH_NOTHING ? 'sleep' : 'receive',
    heapGrowthBytes: p.heapGrowth,
  };
}

/** `held`: what arrived for it meanwhile (routing.ts); `now`: its start time, as an epoch time. */
export function viewOfLoading(
  spawn: SpawnEnvelope,
  held: readonly Envelope[],
  registeredName: string | undefined,
  now: number,
): ProcessInfo {
  return {
    pid: spawn.to as Pid,
    status: 'runnable',
    reductions: 0,
    mailboxLength: held.filter((e) => e.kind === 'message').length,
    links: spawn.link === null ? [] : [spawn.link],
    monitors: [],
    monitoredBy: held.flatMap((e) => (e.kind === 'monitor' ? [e.from] : [])),
    registeredName,
    actor: spawn.name,
    module: spawn.module,
    trapExit: false,
    cpuMs: 0,
    startedAt: now,
    waitingIn: undefined,
    heapGrowthBytes: 0,
  };
}

/** The first `count` messages of `p`'s mailbox, oldest first; one that could not be copied to another thread is shown by why. */
export function mailboxOf(p: Process, count: number): unknown[] {
  const mailbox = p.mailbox;
  const shown: unknown[] = [];
  for (let i = 0; mailbox !== null && i < Math.min(count, mailbox.size); i++) shown.push(copyable(mailbox.at(i)));
  return shown;
}

/** `message` if it can be copied to another thread, else what says why it cannot. */
function copyable(message: unknown): unknown {
  try {
    assertCloneable(message, 'message');
    return message;
  } catch (error) {
    return { uncloneable: (error as Error).message };
  }
}
