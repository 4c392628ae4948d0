// Entry point of the raw worker_threads baselines: registers tsx, then imports the TypeScript
// module named in workerData.module and calls its export workerData.entry with workerData.data.
import { workerData } from 'node:worker_threads';
import './register-tsx.mjs';

const module = await import(workerData.module);
await module[workerData.entry](workerData.data);
