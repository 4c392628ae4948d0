/**
 * How a scheduler's parts are wired: each part names what it needs from the
 * others as a `…Host` interface, and this is the one place that answers
 * each need with the part that has it. Calls between parts go through the
 * `parts` object, filled in as the parts are made, so a part can be handed
 * a way to reach one made after it.
 */
import type { Pid } from '../pid.js';
import type { Process, ProcessHost } from '../process.js';
import type { SchedulerSettings } from './options.js';
import { Routing } from './routing.js';
import { RunLoop } from './run-loop.js';
import { Signals } from './signals.js';
import { SliceRunner } from './slice.js';
import { Spawning } from './spawning.js';
import { Timers } from './timers.js';

export interface Parts {
  readonly spawning: Spawning;
  readonly signals: Signals;
  readonly routing: Routing;
  readonly timers: Timers;
  readonly slices: SliceRunner;
  readonly loop: RunLoop;
}

/**
 * The parts of a scheduler whose processes live in `table` and see it as
 * `processHost`; `epochOffset` turns clock readings into epoch times.
 */
export function assemble(settings: SchedulerSettings, table: Map<Pid, Process>, processHost: ProcessHost, epochOffset: number): Parts {
  const { clock, manual, index, node, registry, router, board } = settings;
  const parts = {} as { -readonly [K in keyof Parts]: Parts[K] };
  const makeRunnable = (p: Process): void => parts.loop.makeRunnable(p);
  const signals = (parts.signals = new Signals({
    table,
    registry,
    mailboxLimit: settings.mailboxLimit,
    keepRecentExits: router !== undefined,
    onCrash: settings.onCrash,
    route: (envelope) => parts.routing.route(envelope),
    makeRunnable,
  }));
  parts.routing = new Routing(
    {
      index,
      node,
      router,
      table,
      signals,
      createLocal: (pid, actor, args, linkTo, parent) => parts.spawning.createLocal(pid, actor, args, linkTo, parent),
    },
    settings.deadUpTo,
  );
  parts.spawning = new Spawning(
    { index, node, clock, epochOffset, router, placement: settings.placement, board, table, routing: parts.routing, processHost, makeRunnable },
    settings.firstSerial,
  );
  const timers = (parts.timers = new Timers({
    clock,
    manual,
    makeRunnable,
    routeMessage: (to, message) => parts.routing.routeMessage(to, message),
    whereis: (name) => registry.whereis(name),
    wake: () => parts.loop.wake(),
  }));
  parts.slices = new SliceRunner({
    clock,
    reductionsPerSlice: settings.reductionsPerSlice,
    sliceTimeLimit: settings.sliceTimeLimit,
    makeRunnable,
    startReceiveTimeout: (p) => timers.startReceiveTimeout(p, p.receive!),
    beginExit: (p, reason) => signals.beginExit(p, reason),
    fail: (p, reason) => signals.fail(p, reason),
  });
  parts.loop = new RunLoop({
    clock,
    manual,
    turnTimeLimit: settings.turnTimeLimit,
    policy: settings.policy,
    heapLimitBytes: settings.heapLimitBytes,
    board,
    epochOffset,
    table,
    slices: parts.slices,
    timers,
    signals,
    lastSerial: () => parts.spawning.lastSerial,
  });
  return parts;
}
