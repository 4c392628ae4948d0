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
  type CallHost,
  type From,
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
export { startLink, startUnlinked, StartError, type Behaviour, type Startable, type StartInfo } from './start.js';
export {
  supervisor,
  whichChildren,
  countChildren,
  startChild,
  terminateChild,
  restartChild,
  deleteChild,
  SupervisorRequests,
  SupervisorError,
  unwrap,
  DEFAULT_INTENSITY,
  DEFAULT_PERIOD_MS,
  DEFAULT_WORKER_SHUTDOWN_MS,
  type ChildCounts,
  type ChildInfo,
  type ChildSpec,
  type RestartType,
  type Shutdown,
  type Strategy,
  type SupervisorDef,
  type SupervisorFlags,
  type SupervisorInit,
} from './supervisor.js';
export { Application, Strand, type ApplicationOptions } from './application.js';
