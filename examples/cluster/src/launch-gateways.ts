/**
 * `npm run demo:gateways`: a NATS server on 127.0.0.1:4222 (the one already
 * running there, or `nats-server -js` started here) and the gateways
 * (src/gateways.ts) on one port, :3000 unless PORT says otherwise, as a
 * child process. Prints what to try. Ctrl-C or SIGTERM stops what it
 * started, by PID: the gateways' primary (which stops its workers one after
 * another, each leaving gracefully), then the NATS server.
 */
import { DEMO_NATS_PORT, demoNats } from './demo-nats.js';
import { startGateways } from './gateways-process.js';

const DEFAULT_PORT = 3000;
const DEFAULT_GATEWAYS = 2;

let stopping = false;
const { url: natsUrl, started: nats } = await demoNats(DEMO_NATS_PORT, 'npm run demo:gateways');
const count = Number(process.env.GATEWAYS ?? DEFAULT_GATEWAYS);
const gateways = await startGateways({
  gateways: count,
  port: Number(process.env.PORT ?? DEFAULT_PORT),
  natsUrl,
  onLine: (line) => console.log(`[gateways] ${line}`),
}).catch(async (error: unknown) => {
  console.error(error instanceof Error ? `${error.message}\n${(error.cause as Error | undefined)?.message ?? ''}` : String(error));
  await nats?.stop();
  process.exit(1);
});

void gateways.exited.then((code) => {
  console.log(`the gateways' primary (pid ${gateways.pid}) exited with code ${code}`);
  void stopAll(code ?? 1);
});

const [first] = gateways.listened();
console.log(`
${count} gateways serve the factorial app and the session counter on one port, ${gateways.base}:
  curl -si -X POST ${gateways.base}/session/ada/inc   # x-strand-node: the gateway that served it; "node": the one holding the session
  curl -si -X POST ${gateways.base}/session/ada/inc   # a new connection, so the next gateway in turn; count 2 from the same session process
  curl '${gateways.base}/factorial?n=20'
Stop a gateway; the primary starts another in its place (kill -TERM hands its sessions on; kill -KILL loses them):
  kill -TERM ${first!.pid}                              # ${first!.name}
Ctrl-C stops everything this started.
`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll(0));

/** Stops the gateways (their primary stops each in turn), then NATS if it was started here. */
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const exit = await gateways.stop('SIGTERM');
  await nats?.stop();
  process.exit(code === 0 && exit === 0 ? 0 : 1);
}
