/**
 * The NATS server a demo launcher meets its nodes on: the one already
 * answering on 127.0.0.1:`port` (it must run with `-js`), or a
 * `nats-server -js` started here (nats-server.ts). Shared by
 * `npm run demo:cluster` (launch.ts) and `npm run demo:gateways`
 * (launch-gateways.ts).
 */
import { type NatsServer, natsServerInstalled, probeNats, startNatsServer } from './nats-server.js';

/** NATS's default port, where the gateways demo looks for a server already running. */
export const DEMO_NATS_PORT = 4222;

export interface DemoNats {
  readonly url: string;
  /** The server started here, for the launcher to stop; undefined when one was already running. */
  readonly started: NatsServer | undefined;
}

/**
 * Finds or starts the server, saying which on stdout. Something else on the
 * port, or no server and no `nats-server` to start, is said on stderr and
 * the process exits 1 (`demo` names the command to run again).
 */
export async function demoNats(port: number, demo: string): Promise<DemoNats> {
  const url = `nats://127.0.0.1:${port}`;
  const found = await probeNats(port);
  if (found === 'other') {
    console.error(`something that is not NATS answers on 127.0.0.1:${port}: stop it, or start nats-server -js there`);
    process.exit(1);
  }
  if (found === 'nats') {
    console.log(`using the NATS server already running on 127.0.0.1:${port} (it needs JetStream: nats-server -js)`);
    return { url, started: undefined };
  }
  if (!natsServerInstalled()) {
    console.error(`nats-server is not installed. On Debian or Ubuntu: sudo apt-get install nats-server (then run ${demo} again)`);
    process.exit(1);
  }
  const started = await startNatsServer(port);
  console.log(`nats-server -js started on 127.0.0.1:${port} (pid ${started.pid})`);
  return { url, started };
}
