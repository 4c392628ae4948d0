/**
 * How soon a leak is stopped, and how far past its limit the heap got:
 * Strand's per-thread heap limit (the process that grew the heap most is
 * killed between slices) against PM2's `max_memory_restart` (a poll every
 * 30 s by default; measured at 2.6–21 s late on this kind of machine, see
 * ../shared/notes/anchors.md).
 *
 * For each leak rate, a scheduler with a heap limit runs one leaking
 * process (it keeps `chunk` bytes of objects per step) beside 100 idle ones,
 * and reports: how long the leak ran, the heap when the leaker was killed,
 * how far that is past the limit, and whether an innocent process died.
 *
 * Usage: npm run bench:memory -w @strand/bench (or bench:memory:smoke)
 */
import { getHeapStatistics } from 'node:v8';
import { type CrashReport, Scheduler, actor, receive } from '@strand/core';
import { loadText, machineText } from '../lib/machine.js';
import { renderMarkdown } from '../lib/report.js';

const smoke = process.argv.includes('--smoke');
const MB = 1_048_576;
/** Limit above the heap in use when the run starts. */
const HEADROOM_MB = smoke ? 64 : 256;
/** Doubles kept per step: 8 bytes each. */
const CHUNKS = smoke ? [16_384] : [8_192, 32_768, 131_072, 524_288];

export const Leaker = actor(import.meta.url, 'BenchLeaker', function* (doubles: number) {
  const kept: number[][] = [];
  for (;;) {
    kept.push(new Array<number>(doubles).fill(kept.length + 0.5));
    yield;
  }
});

const Idle = actor(import.meta.url, 'BenchIdle', function* () {
  yield* receive();
});

function heapInUse(): number {
  const s = getHeapStatistics();
  return s.used_heap_size + s.external_memory;
}

async function once(doubles: number) {
  // What the previous run leaked is garbage now: collect it, so that each limit starts from the same heap.
  (globalThis as { gc?: () => void }).gc?.();
  const limit = heapInUse() + HEADROOM_MB * MB;
  let killedAt = 0;
  let heapAtKill = 0;
  const crashes: CrashReport[] = [];
  const scheduler = new Scheduler({
    heapLimitBytes: limit,
    onCrash: (report) => {
      killedAt = performance.now();
      heapAtKill = heapInUse();
      crashes.push(report);
    },
  });
  for (let i = 0; i < 100; i++) scheduler.spawn(Idle);
  const started = performance.now();
  const leaker = scheduler.spawn(Leaker, doubles);
  const reason = await scheduler.awaitExit(leaker);
  const ranMs = killedAt - started;
  const result = {
    keptPerStepKiB: (doubles * 8) / 1024,
    leakRateMBps: HEADROOM_MB / (ranMs / 1000),
    ranMs,
    limitMB: limit / MB,
    overshootMB: (heapAtKill - limit) / MB,
    killed: typeof reason === 'object' && 'error' in reason ? reason.error.name : String(reason),
    innocentsKilled: crashes.filter((c) => c.pid !== leaker).length,
  };
  await scheduler.stop();
  return result;
}

const rows: string[][] = [];
for (const doubles of CHUNKS) {
  const r = await once(doubles);
  console.error(`${r.keptPerStepKiB} KiB per step: killed after ${r.ranMs.toFixed(0)} ms (${r.killed})`);
  rows.push([
    `${r.keptPerStepKiB} KiB`,
    `${r.leakRateMBps.toFixed(0)} MB/s`,
    `${r.ranMs.toFixed(0)} ms`,
    `${r.limitMB.toFixed(0)} MB`,
    `${r.overshootMB.toFixed(2)} MB`,
    r.killed,
    String(r.innocentsKilled),
  ]);
}
// Markdown on stdout: docs/operations.md ("Memory limits") quotes the table.
process.stdout.write(
  renderMarkdown({
    title: `Memory limits: a leak beside 100 idle processes${smoke ? ' (smoke run)' : ''}`,
    meta: [
      ['Command', `\`npm run bench:memory${smoke ? ':smoke' : ''} -w @strand/bench\``],
      ['Machine', machineText()],
      ['Load average (1/5/15 min)', loadText()],
    ],
    tables: [
      {
        title: 'How soon the leaker is killed',
        intro: `An in-thread scheduler, limit ${HEADROOM_MB} MB above the heap at start, one process keeping what it allocates.`,
        header: ['kept per step', 'leak rate', 'ran until killed', 'heap limit', 'heap at kill − limit', 'exit reason', 'innocent processes killed'],
        rows,
      },
    ],
  }),
);
