// The stall watchdog: a process that runs without yielding for longer than
// stallTimeoutMs is reported; with the default policy its thread is replaced,
// and every process that lived there is gone (the stuck one with a
// StallError, the others with 'noconnection'), as links and monitors on other
// threads see.
import { afterEach, describe, expect, it } from 'vitest';
import { type ExitReason, type Inbox, type Pid } from '@strand/core';
import { allocatorOf, ownerOf, serialOf } from '@strand/core/runtime';
import { type Runtime, type StallReport, Strand, type StrandOptions } from '@strand/pool';
import { Echo, LinkedTrapper, type Reply, SpawnReporter, Stuck, Watcher } from './fixtures/pool-actors.js';

const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
/** The stuck loop gives up after this long, so that a broken watchdog fails the test instead of hanging CI. */
const ESCAPE_MS = 30_000;
/**
 * The stall limit of these runtimes: short, so that the tests do not take long, but far above the
 * time a healthy scheduler's slice can appear to run when the OS leaves its thread waiting on a
 * loaded machine (a spurious stall would replace a healthy thread).
 */
const STALL_LIMIT_MS = 1_000;
let rt: Runtime | undefined;

afterEach(async () => {
  await rt?.stop();
  rt = undefined;
});

/** Starts a runtime whose stall reports resolve `firstStall` (and are all kept in `stalls`). */
async function start(options: StrandOptions) {
  const stalls: StallReport[] = [];
  let reported!: (report: StallReport) => void;
  const firstStall = new Promise<StallReport>((resolve) => (reported = resolve));
  rt = await Strand.start({
    schedulers: 2,
    preload: [PRELOAD],
    stallTimeoutMs: STALL_LIMIT_MS,
    onCrash: () => {},
    onStall: (report) => {
      stalls.push(report);
      reported(report);
    },
    ...options,
  });
  return { rt, stalls, firstStall };
}

/** Resolves with the first stall report, or rejects after `ms` (a failure bound, not a sleep). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

const isObject = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;

async function next(inbox: Inbox, match: (m: unknown) => boolean, ms = 15_000): Promise<Record<string, unknown>> {
  const m = await inbox.receive(match, ms);
  expect(m).not.toBeTypeOf('symbol');
  return m as Record<string, unknown>;
}

async function ask(runtime: Runtime, inbox: Inbox, pid: Pid, body: unknown): Promise<unknown> {
  runtime.send(pid, { from: inbox.pid, body });
  return inbox.receive((m) => isObject(m) && 'echo' in m && (m as unknown as Reply).by === pid, 15_000);
}

describe("stall watchdog, policy 'replace' (the default)", () => {
  it('reports the stuck process, replaces its thread, and tells links and monitors elsewhere', async () => {
    const { rt: runtime, stalls, firstStall } = await start({});
    const inbox = runtime.inbox();

    // Before the stall: pids that worker 1's own allocator made (to check pids are not reused later).
    const oldReporter = runtime.spawnOn(1, SpawnReporter, inbox.pid, 3);
    const oldChildren = (await next(inbox, (m) => isObject(m) && m.by === oldReporter)).spawned as Pid[];

    // On scheduler 1: the process that will stall, and a bystander.
    const stuck = runtime.spawnOn(1, Stuck, 2, ESCAPE_MS, inbox.pid);
    const bystander = runtime.spawnOn(1, Echo);
    expect(await ask(runtime, inbox, bystander, 'alive')).toEqual({ echo: 'alive', by: bystander });
    const stuckExit = runtime.awaitExit(stuck);
    const bystanderExit = runtime.awaitExit(bystander);

    // On scheduler 2: a monitor and a trapping link on both. Each says 'go' to the stuck process
    // after setting up, over the same thread pair, so both are in place before it stalls.
    const watcher = runtime.spawnOn(2, Watcher, [stuck, bystander], stuck, inbox.pid);
    const trapper = runtime.spawnOn(2, LinkedTrapper, [stuck, bystander], stuck, inbox.pid);
    await next(inbox, (m) => isObject(m) && m.ready === watcher);
    await next(inbox, (m) => isObject(m) && m.ready === trapper);

    const report = await within(firstStall, 15_000, 'stall report');
    expect(report).toMatchObject({ scheduler: 1, pid: stuck, action: 'replaced' });
    expect(report.actor).toContain('#Stuck');
    expect(report.actor).toContain('pool-actors.ts');
    expect(report.runningForMs).toBeGreaterThanOrEqual(STALL_LIMIT_MS);

    const stallReason = { error: { name: 'StallError', message: expect.stringContaining('scheduler 1') } };
    // The monitor on scheduler 2 sees both go.
    const downs = [
      await next(inbox, (m) => isObject(m) && 'down' in m && m.down === stuck),
      await next(inbox, (m) => isObject(m) && 'down' in m && m.down === bystander),
    ];
    expect(downs[0]).toEqual({ down: stuck, reason: stallReason, by: watcher });
    expect(downs[1]).toEqual({ down: bystander, reason: 'noconnection', by: watcher });
    // The trapping link on scheduler 2 gets EXIT messages with the same reasons.
    expect(await next(inbox, (m) => isObject(m) && 'exit' in m && m.exit === stuck)).toEqual({ exit: stuck, reason: stallReason, by: trapper });
    expect(await next(inbox, (m) => isObject(m) && 'exit' in m && m.exit === bystander)).toEqual({
      exit: bystander,
      reason: 'noconnection',
      by: trapper,
    });
    // Plain code's awaitExit (a monitor from the main thread) agrees.
    expect(await stuckExit).toEqual(stallReason);
    expect(await bystanderExit).toBe('noconnection');
    // The watchers on scheduler 2 lived through it.
    expect((await runtime.processInfo(watcher))?.actor).toBe('Watcher');
    expect((await runtime.processInfo(trapper))?.actor).toBe('LinkedTrapper');

    // Scheduler 1 is back: a new process there answers.
    const echo = runtime.spawnOn(1, Echo);
    expect(ownerOf(echo)).toBe(1);
    expect(await ask(runtime, inbox, echo, 'after')).toEqual({ echo: 'after', by: echo });
    // Pids are not reused: neither the main thread's nor those the new worker 1 makes.
    const newReporter = runtime.spawnOn(1, SpawnReporter, inbox.pid, 3);
    const newChildren = (await next(inbox, (m) => isObject(m) && m.by === newReporter)).spawned as Pid[];
    const old = new Set<Pid>([oldReporter, ...oldChildren, stuck, bystander, watcher, trapper]);
    for (const pid of [echo, newReporter, ...newChildren]) expect(old.has(pid), `pid ${pid} reused`).toBe(false);
    // Stronger: the new worker 1 continues its allocator's serials after the old one's, whatever owners placement picked.
    expect(oldChildren.every((pid) => allocatorOf(pid) === 1)).toBe(true);
    expect(newChildren.every((pid) => allocatorOf(pid) === 1)).toBe(true);
    const oldSerials = oldChildren.map(serialOf);
    for (const pid of newChildren) expect(serialOf(pid)).toBeGreaterThan(Math.max(...oldSerials));
    expect((await runtime.stats()).map((s) => s.index)).toEqual([0, 1, 2]);
    // One stall, one report.
    expect(stalls.length).toBe(1);
    // The stuck process never finished its loop (its thread was terminated).
    expect(await inbox.receive((m) => isObject(m) && m.done === stuck, 0)).toBeTypeOf('symbol');
  });
});

describe("stall watchdog, policy 'report'", () => {
  it('reports the stall once, does not replace the thread, and other schedulers keep answering', async () => {
    const { rt: runtime, stalls, firstStall } = await start({ stallPolicy: 'report' });
    const inbox = runtime.inbox();
    const onTwo = runtime.spawnOn(2, Echo);
    expect(await ask(runtime, inbox, onTwo, 'before')).toEqual({ echo: 'before', by: onTwo });
    // Stuck for 5 limits, then it reports `done` itself: the thread was left alone.
    const stuck = runtime.spawnOn(1, Stuck, 1, 5 * STALL_LIMIT_MS, inbox.pid);
    const stuckExit = runtime.awaitExit(stuck);
    runtime.send(stuck, 'go');

    const report = await within(firstStall, 15_000, 'stall report');
    expect(report).toMatchObject({ scheduler: 1, pid: stuck, action: 'reported' });
    expect(report.actor).toContain('#Stuck');
    // While scheduler 1 is stuck, scheduler 2 answers.
    expect(await ask(runtime, inbox, onTwo, 'during')).toEqual({ echo: 'during', by: onTwo });

    // The stuck process itself finishes normally on its original thread.
    expect(await next(inbox, (m) => isObject(m) && m.done === stuck, 20_000)).toEqual({ done: stuck });
    expect(await stuckExit).toBe<ExitReason>('normal');
    // Reported once, however many times the watchdog looked while it was stuck.
    expect(stalls.filter((s) => s.pid === stuck).length).toBe(1);
    // And scheduler 1 is the same thread, still running: a new process there answers.
    const onOne = runtime.spawnOn(1, Echo);
    expect(await ask(runtime, inbox, onOne, 'after')).toEqual({ echo: 'after', by: onOne });
  }, 30_000);
});
