/**
 * One server's run: start it, warm it up, time `10000!` idle, then again
 * while ten `999999999!` are held open (reading Strand's /progress on the
 * way), then drop the long requests and end the server.
 */
import os from 'node:os';
import { type Outcome, answers, parallelAgent, send, sequentialAgent, sleep } from './client.js';
import { lastPoll, progressText, summary } from './figures.js';
import { LONG_N, MAX_REQUESTS_PER_PHASE, PLAN, SHORT_N } from './plan.js';
import { type ServerProcess, freePort } from './process.js';
import type { Poll, Progress, Result } from './result.js';
import type { ServerSpec } from './servers.js';

export async function runServer(spec: ServerSpec): Promise<Result> {
  const loadBefore = os.loadavg()[0]!;
  const port = await freePort();
  const server = spec.start(port);
  const empty = { idle: [], loaded: [], long: [], polls: [] };
  try {
    let ready: string;
    try {
      ready = await server.ready();
    } catch (error) {
      return { spec, failedToStart: String(error instanceof Error ? error.message : error), ...empty, ...tail(server, loadBefore) };
    }
    console.log(`  ${ready}`);
    const idle = await idlePhase(port);
    console.log(`  idle: ${summary(idle)}`);
    const loaded = await loadedPhase(port, spec.strand, () => server.alive);
    console.log(`  loaded: ${summary(loaded.loaded)}${spec.strand ? `; long jobs at the end: ${progressText(lastPoll(loaded.polls))}` : ''}`);
    return { spec, ready, idle, ...loaded, ...tail(server, loadBefore) };
  } finally {
    await server.stop();
  }
}

function tail(server: ServerProcess, loadBefore: number) {
  const stderr = server.output.filter((l) => l.trim() !== '' && !/^(READY |factorial demo on )/.test(l));
  return {
    peakRssBytes: server.peakRssBytes,
    ...(server.killedForMemory === undefined ? {} : { killedForMemory: server.killedForMemory }),
    loadBefore,
    loadAfter: os.loadavg()[0]!,
    stderr,
  };
}

async function idlePhase(port: number): Promise<Outcome[]> {
  const agent = sequentialAgent();
  try {
    const check = answers(SHORT_N);
    for (let i = 0; i < PLAN.warmup; i++) {
      await send({ port, path: `/factorial?n=${SHORT_N}`, agent, timeoutMs: PLAN.idleTimeoutMs, phaseStart: performance.now(), check }).outcome;
    }
    const start = performance.now();
    const outcomes: Outcome[] = [];
    for (let i = 0; i < PLAN.idle; i++) {
      outcomes.push(await send({ port, path: `/factorial?n=${SHORT_N}`, agent, timeoutMs: PLAN.idleTimeoutMs, phaseStart: start, check }).outcome);
    }
    return outcomes;
  } finally {
    agent.destroy();
  }
}

async function loadedPhase(port: number, strand: boolean, alive: () => boolean) {
  const longAgent = parallelAgent();
  const shortAgent = sequentialAgent();
  const pollAgent = parallelAgent();
  try {
    const longStart = performance.now();
    const longs = Array.from({ length: PLAN.long }, () => send({ port, path: `/factorial?n=${LONG_N}`, agent: longAgent, phaseStart: longStart }));
    await Promise.race([Promise.all(longs.map((l) => l.written)), sleep(2_000)]);

    const start = performance.now();
    const poll = async (): Promise<Poll> => {
      const at = performance.now() - start;
      const o = await send({ port, path: '/progress', agent: pollAgent, timeoutMs: PLAN.timeoutMs, phaseStart: start, keepBody: true }).outcome;
      if (o.kind !== 'ok') return { at, jobs: undefined, failure: `${o.kind}${o.status === undefined ? '' : ` ${o.status}`}${o.detail === undefined ? '' : `: ${o.detail}`}` };
      try {
        return { at, jobs: JSON.parse(o.body ?? '') as Progress[] };
      } catch {
        return { at, jobs: undefined, failure: `not JSON: ${(o.body ?? '').slice(0, 80)}` };
      }
    };
    const polls: Poll[] = [];
    let loading = true;
    const polling = (async () => {
      if (!strand) return;
      for (let k = 1; k * PLAN.pollEveryMs < PLAN.loadedMs; k++) {
        while (loading && performance.now() - start < k * PLAN.pollEveryMs) await sleep(Math.min(50, start + k * PLAN.pollEveryMs - performance.now()));
        if (!loading) return;
        polls.push(await poll());
      }
    })();

    const loaded: Outcome[] = [];
    const check = answers(SHORT_N);
    while (performance.now() - start < PLAN.loadedMs && loaded.length < MAX_REQUESTS_PER_PHASE) {
      const outcome = await send({ port, path: `/factorial?n=${SHORT_N}`, agent: shortAgent, timeoutMs: PLAN.timeoutMs, phaseStart: start, check }).outcome;
      loaded.push(outcome);
      if (outcome.kind === 'error' && !alive()) break; // the server died (its exit is in the report): no point hammering its port
    }
    loading = false;
    await polling;
    if (strand) polls.push(await poll());

    for (const l of longs) l.abort();
    const long = await Promise.all(longs.map((l) => l.outcome));
    let afterPoll: Poll | undefined;
    if (strand) {
      await sleep(1_000);
      afterPoll = await poll();
    }
    return { loaded, long, polls, ...(afterPoll === undefined ? {} : { afterPoll }) };
  } finally {
    longAgent.destroy();
    shortAgent.destroy();
    pollAgent.destroy();
  }
}
