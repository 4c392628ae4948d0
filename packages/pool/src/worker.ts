/**
 * The entry point of a scheduler thread. It builds a `Scheduler` wired to the
 * runtime's shared boards and registry, connects it to the other threads'
 * ports, and exposes its control plane on the control port with comlink.
 * Loaded as compiled JavaScript; actor modules it imports may be TypeScript:
 * the thread registers the loader the main thread runs under (tsx), then
 * the `preload` modules, before anything else.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Scheduler, type CrashReport } from '@strand/core';
import { type Batch, type Envelope, onActorDefined } from '@strand/core/runtime';
import { Boards } from './boards.js';
import { MAIN_THREAD, controlFor } from './control.js';
import { LeastLoaded } from './least-loaded.js';
import { ThreadMeter } from './meter.js';
import { PortRouter } from './port-router.js';
import { REMOTE_BATCH, acceptEncoded } from './remote-nodes.js';
import { SharedRegistry } from './shared-registry.js';
import { BARRIER, type ThreadEvent, type WorkerInit } from './thread-protocol.js';
import { enterRuntimeThread } from './entry-point.js';
import { registerLoaders } from './inherited-loader.js';

enterRuntimeThread('scheduler');
const init = workerData as WorkerInit;
await registerLoaders(init.loaders);
for (const module of init.preload) await import(module);
const events = parentPort!;
const emit = (event: ThreadEvent): void => events.postMessage(event);

const boards = new Boards(init.boards);
const router = new PortRouter((envelope: Envelope, error: unknown) =>
  emit({ type: 'undeliverable', to: envelope.to, kind: envelope.kind, error: String(error) }),
);
// A cluster node's envelopes for other nodes leave through the main thread, which holds the connection.
if ((init.scheduler.node ?? 0) !== 0) router.sendRemoteTo(MAIN_THREAD, init.remoteEnvelopeBytes);
const placement = new LeastLoaded(boards, init.workers);
const scheduler = new Scheduler({
  ...init.scheduler,
  index: init.index,
  router,
  placement,
  registry: new SharedRegistry({ buffer: init.registry.buffer, maxNames: init.registry.maxNames }),
  board: boards.board(init.index),
  firstSerial: init.firstSerial,
  deadUpTo: init.deadUpTo,
  onCrash: (report: CrashReport) => emit({ type: 'crash', report }),
});
const meter = new ThreadMeter(scheduler, boards.board(init.index));

for (const { owner, port } of init.ports) listen(owner, port);
onActorDefined((actor) => emit({ type: 'actor', id: actor.id, key: `${actor.module}#${actor.name}` }));

const control = controlFor(init.index, init.generation, scheduler, router, meter, placement);
Comlink.expose(
  {
    ...control,
    connect(owner: number, port: MessagePort): void {
      listen(owner, port);
    },
    async stop(): Promise<void> {
      meter.stop();
      await control.stop();
    },
  },
  nodeEndpoint(init.control),
);

function listen(owner: number, port: MessagePort): void {
  port.on('message', (batch: Batch | typeof BARRIER) => {
    if (batch !== BARRIER) {
      if (batch[0] === REMOTE_BATCH) acceptEncoded(scheduler, batch);
      else scheduler.accept(batch);
      return;
    }
    // Send what this thread has queued for the other side first, then the echo, on the same port.
    router.flush();
    port.postMessage(BARRIER);
  });
  router.connect(owner, port);
}
