/**
 * @strand/core: processes, mailboxes, links, monitors, names, timers, and
 * the preemptive scheduler that runs them. See the package README for the
 * contract and docs/architecture.md for how the parts fit.
 */
export { actor, isActor, isActorRef, refOf, type Actor, type ActorRef, type ProcessBody } from './actor.js';
export { ManualClock, systemClock, type Clock } from './clock.js';
export {
  AlreadyRegisteredError,
  InvalidActorError,
  InvalidEffectError,
  InvalidExitReasonError,
  InvalidMatcherError,
  InvalidNameError,
  InvalidOptionError,
  InvalidPidError,
  InvalidTimeoutError,
  ModuleLoadError,
  NameTakenError,
  NoProcError,
  NotInProcessError,
  NotRegisteredError,
  StoppedError,
  StrandError,
  UncloneableError,
  type StrandErrorCode,
} from './errors.js';
export {
  errorReason,
  formatExitReason,
  isAbnormal,
  ProcessExit,
  type ErrorInfo,
  type ExitReason,
  type ExitReasonInput,
} from './exit-reason.js';
export { Inbox } from './inbox.js';
export { formatPid, isPid, type Pid } from './pid.js';
export {
  abandon,
  cancelTimer,
  demonitor,
  exit,
  link,
  monitor,
  parent,
  processInfo,
  register,
  self,
  send,
  sendAfter,
  spawn,
  spawnLink,
  spawnMonitor,
  trapExit,
  unlink,
  unregister,
  whereis,
} from './process-api.js';
export { receive, sleep, TIMEOUT, type Effect, type Matcher, type Pattern, type Timeout } from './receive.js';
export type { MatcherOf, Narrowed, PatternOf } from './pattern.js';
export type { Self } from './self.js';
export { isRef, makeRef, type Ref } from './ref.js';
export { OUTSIDE, Scheduler, type SchedulerStats } from './scheduler/scheduler.js';
export {
  REDUCTIONS_PER_SLICE,
  SLICE_TIME_LIMIT_MS,
  TURN_TIME_LIMIT_MS,
  type CrashReport,
  type SchedulerOptions,
} from './scheduler/options.js';
export { AGE_FLOOR_RATE, FRESH_LIMIT_MS, SHARE_EVERY } from './least-attained-queue.js';
export type { ProcessInfo } from './process-info.js';
export { isDownMessage, isExitMessage, type DownMessage, type ExitMessage } from './system-messages.js';
export { DEFAULT_TRACE_LIMIT, MAX_TRACE_EVENTS, isTraceEvent, type TraceDetail, type TraceEvent } from './trace.js';
