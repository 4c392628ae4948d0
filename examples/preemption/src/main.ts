/**
 * The preemption demo: three long factorials, a 100 ms ticker and a short
 * job, all on ONE thread. Plain Node would run the first factorial to the end
 * before anything else; Strand slices them (4000 reductions or 1 ms, whichever
 * comes first), so all three progress together, the ticker stays on time and
 * the short job answers at once.
 */
import { Scheduler, TIMEOUT, type Inbox } from '@strand/core';
import { Factorial, Idle, Quick, Ticker } from './actors.js';

const LONG_N = Number(process.env.DEMO_N ?? 60_000);
const scheduler = new Scheduler();
const inbox: Inbox = scheduler.inbox();

for (const label of ['A', 'B', 'C']) scheduler.spawn(Factorial, label, LONG_N, inbox.pid);
scheduler.spawn(Ticker, 100, 1_000, inbox.pid);
for (let i = 0; i < 10_000; i++) scheduler.spawn(Idle);
console.log(`three ${LONG_N}! computations, a 100 ms ticker and 10,000 idle processes on one thread\n`);

const progress: Record<string, number> = { A: 0, B: 0, C: 0 };
const lates: number[] = [];
let finished = 0;
let quickSpawned = false;
const started = performance.now();

while (finished < 3) {
  const message = (await inbox.receive(undefined, 30_000)) as
    | { type: 'progress'; label: string; done: number }
    | { type: 'done'; label: string; digits: number }
    | { type: 'tick'; tick: number; lateMs: number }
    | { type: 'quick'; ms: number; digits: number }
    | typeof TIMEOUT;
  if (message === TIMEOUT) throw new Error('the demo stalled: no message in 30 s');
  const at = ((performance.now() - started) / 1000).toFixed(2).padStart(6);
  switch (message.type) {
    case 'progress':
      progress[message.label] = message.done;
      break;
    case 'done':
      finished += 1;
      progress[message.label] = 1;
      console.log(`${at}s  ${message.label}: ${LONG_N}! done, ${message.digits} digits`);
      break;
    case 'tick':
      lates.push(message.lateMs);
      console.log(`${at}s  tick ${String(message.tick).padStart(2)} (${message.lateMs.toFixed(1)} ms late)  ${bars(progress)}`);
      if (message.tick === 3 && !quickSpawned) {
        quickSpawned = true;
        scheduler.spawn(Quick, inbox.pid);
      }
      break;
    case 'quick':
      console.log(`${at}s  a short job (2000!) spawned meanwhile answered in ${message.ms.toFixed(1)} ms`);
      break;
  }
}

lates.sort((a, b) => a - b);
const p50 = lates[Math.floor(lates.length / 2)] ?? 0;
console.log(`\nticker: ${lates.length} ticks, median ${p50.toFixed(1)} ms late, worst ${(lates.at(-1) ?? 0).toFixed(1)} ms`);
console.log(`scheduler: ${scheduler.stats.reductions.toLocaleString()} reductions, ${scheduler.stats.processes.toLocaleString()} processes alive`);
await scheduler.stop();

function bars(p: Record<string, number>): string {
  return Object.entries(p)
    .map(([label, done]) => `${label} ${'█'.repeat(Math.round(done * 20)).padEnd(20, '·')}`)
    .join('  ');
}
