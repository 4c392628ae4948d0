/**
 * @strand/otp: OTP behaviours for Strand. See the package README for the contract.
 */
export {
  call,
  callFrom,
  cast,
  reply,
  CallError,
  CallTimeoutError,
  DEFAULT_CALL_TIMEOUT_MS,
  type Ask,
  type CallHost,
  type From,
  type RepliesOf,
  type ReplyTo,
  type ServerPid,
  type ServerProtocol,
} from './call.js';
export {
  server,
  UnexpectedCallError,
  type CallResult,
  type InitResult,
  type MaybeEffect,
  type NoReplyResult,
  type ServerCallbacks,
  type ServerDef,
} from './server.js';
export { startLink, startUnlinked, StartError, type Behaviour, type StartAck, type Startable, type StartInfo } from './start.js';
export {
  isHandoffAnswer,
  movedTo,
  type HandoffAnswer,
  type HandoffDecision,
  type HandoffRequest,
  type MovedReason,
  type Resume,
} from './handoff.js';
export {
  supervisor,
  whichChildren,
  countChildren,
  supervisorFlags,
  startChild,
  terminateChild,
  restartChild,
  deleteChild,
  SupervisorRequests,
  DEFAULT_INTENSITY,
  DEFAULT_PERIOD_MS,
  type ChildCounts,
  type ChildInfo,
  type ChildSpec,
  type ResolvedFlags,
  type Strategy,
  type SupervisorDef,
  type SupervisorFlags,
  type SupervisorInit,
} from './supervisor.js';
export { SupervisorError, MaxChildrenError, unwrap } from './supervisor-api.js';
export { RESTART_REPORTS_NAME, isRestartReport, type RestartReport } from './restart-report.js';
export { supervisorKindOf, type SupervisorKind } from './supervisor-kinds.js';
export { DEFAULT_WORKER_SHUTDOWN_MS, type ChildStart, type ChildType, type RestartType, type Shutdown } from './child.js';
export {
  dynamicSupervisor,
  startDynamicChild,
  terminateDynamicChild,
  whichDynamicChildren,
  countDynamicChildren,
  DynamicSupervisorRequests,
  DEFAULT_DYNAMIC_INTENSITY,
  DEFAULT_DYNAMIC_PERIOD_MS,
  DEFAULT_MAX_CHILDREN,
  type DynamicChildInfo,
  type DynamicChildSpec,
  type DynamicSupervisorDef,
  type DynamicSupervisorFlags,
} from './dynamic-supervisor.js';
export {
  Task,
  task,
  TaskError,
  TaskTimeoutError,
  DEFAULT_TASK_TIMEOUT_MS,
  type TaskDef,
  type TaskOutcome,
} from './task.js';
export { Application, Strand, type ApplicationOptions } from './application.js';
