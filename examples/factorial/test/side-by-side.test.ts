/**
 * `npm start` (main.ts --side-by-side): the demo starts its two peers as
 * child processes, the round-robin Strand server and the plain node:http
 * one; both answer the factorial route as the demo does, open to any origin;
 * the demo's progress stream names them; SIGTERM to the demo ends them too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoProcess, startDemo } from './demo-process.js';

const PEER_LINE = /^side by side: (.+) on (http:\/\/127\.0\.0\.1:\d+)\/ \(pid (\d+)\)$/gm;

const ORDER = ['Strand, round-robin', 'plain node:http'];

let demo: DemoProcess;
let peers: { name: string; url: string; pid: number }[];

beforeAll(async () => {
  demo = await startDemo(['--side-by-side'], (out) => (out.match(PEER_LINE) ?? []).length === 2);
  peers = [...demo.output().matchAll(PEER_LINE)]
    .map(([, name, url, pid]) => ({ name: name!, url: url!, pid: Number(pid) }))
    .sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
}, 180_000);

afterAll(async () => {
  if (demo !== undefined && demo.child.exitCode === null) await demo.stop();
}, 60_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('side by side', () => {
  it('starts a round-robin Strand peer and a plain node:http peer that answer as the demo does, open to any origin', async () => {
    expect(peers.map((p) => p.name)).toEqual(ORDER);
    const expected = await (await fetch(`${demo.base}/factorial?n=1000`)).text();
    for (const peer of peers) {
      const response = await fetch(`${peer.url}/factorial?n=1000`);
      expect([peer.name, response.status, response.headers.get('access-control-allow-origin')]).toEqual([peer.name, 200, '*']);
      expect(await response.text()).toBe(expected);
      expect((await fetch(`${peer.url}/factorial?n=-1`)).status).toBe(400);
      expect((await fetch(`${peer.url}/nowhere`)).status).toBe(404);
    }
  });

  it("names the peers in the demo's progress stream, and the round-robin peer's own stream says its policy", async () => {
    const first = async (base: string) => {
      const response = await fetch(`${base}/progress/events`);
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of response.body!) {
        text += decoder.decode(chunk, { stream: true });
        const data = /^data: (.*)$/m.exec(text)?.[1];
        // Leaving the loop cancels the body: the connection closes.
        if (data !== undefined && text.includes('\n\n')) {
          return JSON.parse(data) as { policy: string; peers: { name: string; url: string }[] };
        }
      }
      throw new Error(`the stream ended before a sample: ${text}`);
    };
    const own = await first(demo.base);
    expect(own.policy).toBe('least-attained');
    expect([...own.peers].sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name))).toEqual(peers.map(({ name, url }) => ({ name, url })));
    const roundRobin = await first(peers[0]!.url);
    expect([roundRobin.policy, roundRobin.peers]).toEqual(['round-robin', []]);
  });

  it('SIGTERM to the demo stops its peers before it exits', async () => {
    expect(peers.map((p) => alive(p.pid))).toEqual([true, true]);
    expect(await demo.stop()).toBe(0);
    expect(peers.map((p) => alive(p.pid))).toEqual([false, false]);
  });
});
