// Preloaded in each thread of the pool benchmarks (Strand's scheduler threads and the raw
// worker_threads baselines), so that the TypeScript modules they import load there.
import { register } from 'tsx/esm/api';

register();
