/**
 * `npm run demo:cluster`: a NATS server on 127.0.0.1:4222 (the one already
 * running there, or `nats-server -js` started here), and two nodes
 * (src/main.ts) as child processes: `one` on :3001 and `two` on :3002.
 * Prints what to try. Ctrl-C or SIGTERM stops what it started, by PID:
 * the nodes first (each leaves gracefully), then the NATS server.
 */
import { demoNats } from './demo-nats.js';
import { type NodeProcess, startNode } from './node-process.js';

/** NATS's default port, where a server already running is looked for. */
const NATS_PORT = 4222;
const NODES = [
  { name: 'one', port: 3001 },
  { name: 'two', port: 3002 },
] as const;

let stopping = false;
const { url: natsUrl, started: nats } = await demoNats(NATS_PORT, 'npm run demo:cluster');

const starts = NODES.map(({ name, port }) => startNode({ name, port, natsUrl, onLine: (line) => console.log(`[${name}] ${line}`) }));
const started = await Promise.allSettled(starts);
const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
const failed = started.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
if (failed.length > 0) {
  for (const error of failed) console.error(error.message);
  await stopAll(1);
}

// A node that exits on its own (kill -TERM) is said so; when none is left, the launcher stops too.
const running = new Set(nodes);
for (const node of nodes) {
  void node.exited.then((code) => {
    console.log(`node ${node.name} (pid ${node.pid}) exited with code ${code}`);
    running.delete(node);
    if (running.size === 0) void stopAll(0);
  });
}

const [one, two] = nodes as [NodeProcess, NodeProcess];
console.log(`
Two nodes serve the factorial app and a session counter:
  curl -X POST ${one.base}/session/ada/inc    # node one: count 1 (the session starts on node one)
  curl -X POST ${two.base}/session/ada/inc    # node two: count 2, same process, found by global name
  curl ${two.base}/session/ada                # read it from either node
  curl '${two.base}/factorial?n=20'
Stop node one gracefully; its sessions move to node two with their counts:
  kill -TERM ${one.pid}
  curl ${two.base}/session/ada                # count 2, now held by node two
Ctrl-C stops everything this started.
`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll(0));


/** Stops the nodes (one after another, so each can hand its sessions to a node still running), then NATS if it was started here. */
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const node of nodes) await node.stop('SIGTERM');
  await nats?.stop();
  process.exit(code);
}
