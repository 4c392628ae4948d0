/**
 * @strand/pool: Strand on every core. See the package README for the contract.
 */
export { Runtime, Strand } from './runtime.js';
export {
  DEFAULT_SOFT_HEAP_LIMIT,
  DEFAULT_STALL_TIMEOUT_MS,
  type MemoryOptions,
  type StallReport,
  type StrandOptions,
} from './runtime-options.js';
export { DRAIN_CHECK_INTERVAL_MS, ReloadError, type ReloadReport } from './reload.js';
export { STALL_CHECK_INTERVAL_MS } from './stall-watchdog.js';
export type { ThreadStats } from './control.js';
export { MAX_NAME_BYTES, DEFAULT_MAX_NAMES, RegistryFullError } from './shared-registry.js';
export { MAX_BATCH } from './port-router.js';
export type { RemoteHost, RemoteNodes, RemoteNodesFactory } from './remote-nodes.js';
export { MessageTooLargeError } from './remote-nodes.js';
export { dirty, dirtyTask, DirtyTaskError, DIRTY_SERVICE, type DirtyTask } from './dirty.js';
export type { DirtyOptions } from './dirty-service.js';
