/**
 * One node of the cluster demo: a Strand runtime joined to the cluster over
 * NATS, serving the factorial routes and the session counter (app.ts) on
 * 127.0.0.1. src/launch.ts (`npm run demo:cluster`) starts two of these;
 * src/gateways.ts (`npm run demo:gateways`) forks several on one port.
 *
 * Environment: NODE_NAME (default `one`), PORT (default 3001), NATS_URL
 * (default nats://127.0.0.1:4222), SCHEDULERS (default one per core).
 *
 * SIGTERM or SIGINT leaves gracefully: the HTTP server stops taking
 * requests, then `node.stop()` hands this node's session processes, with
 * their counts and names, to another live node; then the process exits 0.
 *
 * A node expelled from the cluster (silent so long that another node took
 * its number: it can reach no session any more) stops serving and exits 1,
 * so that whatever runs it (gateways.ts, a process manager) starts a new one.
 */
import { Cluster } from '@strand/cluster';
import { serve } from '@strand/http';
import { ProgressBoard } from '@strand/example-factorial/src/progress.js';
import { routes } from './app.js';
import { serveSessionStarts } from './session-starter.js';

/** How long in-flight requests may finish when the node is stopped, in ms, before they are answered 503. */
const HTTP_DRAIN_MS = 2_000;

const nodeName = process.env.NODE_NAME ?? 'one';
// The runtime's threads inherit the environment: a session names the node that holds it (sessions.ts).
process.env.NODE_NAME = nodeName;
const port = Number(process.env.PORT ?? 3001);
const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

const node = await Cluster.start({
  cluster: { servers, node: nodeName },
  ...(process.env.SCHEDULERS === undefined ? {} : { schedulers: Number(process.env.SCHEDULERS) }),
});
const rt = node.runtime;
rt.spawn(ProgressBoard.actor, null);
serveSessionStarts(node);
const http = await serve({ runtime: rt, routes, port });
console.log(`node ${node.name} (cluster node ${node.node}) on http://127.0.0.1:${http.port}/ (pid ${process.pid})`);

node.onConnection(async (change) => {
  if (change.type !== 'expelled') return;
  await http.stop(HTTP_DRAIN_MS);
  await node.stop();
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await http.stop(HTTP_DRAIN_MS);
    await node.stop();
    console.log(`node ${node.name} left the cluster; its sessions went to another live node, if any`);
    process.exit(0);
  });
}
