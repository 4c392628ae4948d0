/**
 * Several gateways on one port (src/gateways.ts): node:cluster's primary
 * hands connections to its workers in turn, each worker a cluster node, so
 * one session's increments are counted by one process whichever gateway
 * took them. A gateway killed is replaced; SIGTERM stops them all.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANY_PORT, type NatsServer, startNatsServer } from '../src/nats-server.js';
import { type GatewaysProcess, startGateways } from '../src/gateways-process.js';
import { skipWithoutNats } from './demo-cluster.js';

/** Increments of one session, one after another, each on a connection of its own. */
const INCREMENTS = 40;
/** Increments of a new session once a gateway was killed. */
const INCREMENTS_AFTER_KILL = 20;
/** GET attempts while the killed gateway's session is still named: each can wait for a call to its dead holder. */
const LOOKUPS_UNTIL_GONE = 20;

interface Answer {
  readonly status: number;
  readonly body: any;
  /** The gateway that served it (`x-strand-node`). */
  readonly servedBy: string | undefined;
}

/**
 * One request on a connection of its own, closed after the answer: the
 * primary hands each new connection to the next worker, so requests that
 * share no connection are spread over the gateways.
 */
function ask(base: string, method: 'GET' | 'POST', path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { method, agent: false, headers: { connection: 'close' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const json = res.headers['content-type']?.startsWith('application/json') ?? false;
        resolve({ status: res.statusCode!, body: json ? JSON.parse(text) : text, servedBy: res.headers['x-strand-node'] as string | undefined });
      });
    });
    req.once('error', reject);
    req.end();
  });
}

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(skipWithoutNats)('two gateways on one port', () => {
  let nats: NatsServer | undefined;
  let gateways: GatewaysProcess | undefined;
  /** The gateway the second test kills. */
  let killed: string | undefined;
  beforeAll(async () => {
    nats = await startNatsServer(ANY_PORT);
    gateways = await startGateways({
      gateways: 2,
      port: 0,
      natsUrl: nats.url,
      env: { SCHEDULERS: '1' },
      onLine: (line) => process.stderr.write(`[gateways] ${line}\n`),
    });
  });
  afterAll(async () => {
    // A failed test may leave them running: the primary's SIGTERM stops its workers; any left over are killed by pid.
    await gateways?.stop('SIGTERM');
    for (const { pid } of gateways?.listened() ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await nats?.stop();
  });

  it('spreads requests over both gateways, and counts one session 1..40 in one process whichever gateway took each', async () => {
    const { base } = gateways!;
    const answers: Answer[] = [];
    for (let i = 0; i < INCREMENTS; i++) answers.push(await ask(base, 'POST', '/session/ada/inc'));

    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(answers.map((a) => a.body.count)).toEqual(Array.from({ length: INCREMENTS }, (_, i) => i + 1));
    const holders = new Set(answers.map((a) => a.body.node));
    expect(holders.size).toBe(1);
    const servedBy = new Set(answers.map((a) => a.servedBy));
    expect(servedBy).toEqual(new Set(gateways!.listened().map((g) => g.name)));
    expect(servedBy.size).toBe(2);
    expect(servedBy).toContain([...holders][0]);
  });

  it('replaces a gateway killed with SIGKILL; the sessions it held are lost with it and start again from 1 on a live gateway', async () => {
    const { base } = gateways!;
    const holderName = (await ask(base, 'GET', '/session/ada')).body.node as string;
    const [holder] = gateways!.listened().filter((g) => g.name === holderName);
    const survivor = gateways!.listened().find((g) => g.name !== holderName)!;
    killed = holderName;
    process.kill(holder!.pid, 'SIGKILL');

    const replacement = (await gateways!.whenListened(3))[2]!;
    expect(replacement.name).not.toBe(holderName);
    expect(alive(holder!.pid)).toBe(false);

    // Answered by the two live gateways: a new session counts from 1 in one process.
    const fresh: Answer[] = [];
    for (let i = 0; i < INCREMENTS_AFTER_KILL; i++) fresh.push(await ask(base, 'POST', '/session/grace/inc'));
    expect(fresh.map((a) => a.status)).toEqual(fresh.map(() => 200));
    expect(fresh.map((a) => a.body.count)).toEqual(Array.from({ length: INCREMENTS_AFTER_KILL }, (_, i) => i + 1));
    expect(new Set(fresh.map((a) => a.servedBy))).toEqual(new Set([survivor.name, replacement.name]));

    // ada's process died with its node. Until the others call that node lost (3 missed heartbeats), its name still
    // points there and a call to it can time out (500); then the name is released and ada is not found (404).
    const lookups: number[] = [];
    while (lookups.at(-1) !== 404 && lookups.length < LOOKUPS_UNTIL_GONE) lookups.push((await ask(base, 'GET', '/session/ada')).status);
    expect(lookups.at(-1)).toBe(404);
    expect(lookups.filter((status) => status !== 404 && status !== 500)).toEqual([]);

    const again = await ask(base, 'POST', '/session/ada/inc');
    expect(again.status).toBe(200);
    expect(again.body.count).toBe(1);
    expect([survivor.name, replacement.name]).toContain(again.body.node);
  });

  it('stops every gateway on SIGTERM to the primary, exiting 0 with no worker left', async () => {
    const workers = gateways!.listened();
    expect(await gateways!.stop('SIGTERM')).toBe(0);
    expect(workers.filter((g) => alive(g.pid))).toEqual([]);
    // Each worker alive at the stop left gracefully (main.ts says so once node.stop() is done); the killed one never could.
    const left = [...gateways!.output().matchAll(/^node (\S+) left the cluster/gm)].map((m) => m[1]);
    expect(left.sort()).toEqual(workers.map((g) => g.name).filter((name) => name !== killed).sort());
  });
});
