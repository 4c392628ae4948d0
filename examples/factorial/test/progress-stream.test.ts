/**
 * `GET /progress/events`, the stream the live page draws from: samples that
 * list a long job with its label, progress that advances, the scheduler
 * threads, and the job gone once its client leaves. The factorial route is
 * open to any origin and refuses a bad job label. Asserts outcomes, not speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoProcess, startDemo } from './demo-process.js';

interface Sample {
  policy: string;
  jobs: { pid: string; n: number; done: number; rate: number; elapsedMs: number; job?: string }[];
  schedulers: { index: number; utilisation: number; runQueue: number; processes: number }[];
  peers: { name: string; url: string }[];
}

let demo: DemoProcess;
beforeAll(async () => {
  demo = await startDemo();
}, 180_000);
afterAll(async () => {
  // A clean exit: the open streams closed with the server, nothing kept it alive.
  if (demo !== undefined) expect(await demo.stop()).toBe(0);
}, 60_000);

/** The samples of one connection to the stream, in order, until `signal` aborts. */
async function* samples(signal: AbortSignal): AsyncGenerator<Sample> {
  const response = await fetch(`${demo.base}/progress/events`, { signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^data: (.*)$/m.exec(event)?.[1];
      expect(event, 'every event is a sample').toMatch(/^event: sample$/m);
      yield JSON.parse(data!) as Sample;
    }
  }
}

describe('the progress stream', () => {
  it('lists a labelled long job whose count advances, with the scheduler threads, and drops it once its client leaves', async () => {
    const stream = new AbortController();
    const client = new AbortController();
    const long = fetch(`${demo.base}/factorial?n=999999999&job=watched-1`, { signal: client.signal }).catch((e: unknown) => e);
    const seen: number[] = [];
    let left = false;
    try {
      for await (const sample of samples(stream.signal)) {
        expect(sample.policy).toBe('least-attained');
        expect(sample.peers).toEqual([]);
        expect(sample.schedulers.map((s) => s.index)).toEqual([1, 2]);
        for (const s of sample.schedulers) expect(s.utilisation).toBeGreaterThanOrEqual(0);
        const job = sample.jobs.find((j) => j.job === 'watched-1');
        if (left) {
          // Once the client has gone, the job is killed and the board forgets it.
          if (job === undefined) break;
          continue;
        }
        if (job === undefined) continue;
        expect(job).toMatchObject({ n: 999999999 });
        expect(job.pid).toMatch(/^<\d+\.\d+\.\d+>$/);
        expect(job.elapsedMs).toBeGreaterThanOrEqual(0);
        if (seen.length === 0 || job.done > seen.at(-1)!) seen.push(job.done);
        if (seen.length === 3) {
          client.abort();
          left = true;
        }
      }
    } finally {
      stream.abort();
    }
    expect(seen).toHaveLength(3);
    expect(seen[0]! < seen[1]! && seen[1]! < seen[2]!).toBe(true);
    expect(await long).toBeInstanceOf(Error);
  });

  it('the factorial route is open to any origin and refuses a job label that is not one', async () => {
    const ok = await fetch(`${demo.base}/factorial?n=20&job=a_b-3`);
    expect([ok.status, ok.headers.get('access-control-allow-origin')]).toEqual([200, '*']);
    expect(JSON.parse(await ok.text())).toMatchObject({ value: '2432902008176640000' });
    const bad = await fetch(`${demo.base}/factorial?n=20&job=${encodeURIComponent('<script>')}`);
    expect([bad.status, await bad.text()]).toEqual([400, 'job must be 1 to 40 letters, digits, _ or -\n']);
  });
});
