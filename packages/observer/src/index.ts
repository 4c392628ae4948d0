export { observe, SAMPLE_INTERVAL_MS, MAX_BODY_BYTES, type ObserveOptions, type Observer } from './observe.js';
export { HTTP_DURATION_BUCKETS_SECONDS, type HttpRequestTiming } from './metrics.js';
export { ObserverExposedError, ObserverOptionError } from './errors.js';
export { parsePid } from './pid-text.js';
export type { ProcessView } from './process-view.js';
export { TREE_CALL_TIMEOUT_MS, type SupervisionTree, type TreeNode } from './supervision-tree.js';
