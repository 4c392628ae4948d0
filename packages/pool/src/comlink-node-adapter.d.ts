// comlink ships its Node adapter without a declaration next to the .mjs file.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  import type { MessagePort, Worker } from 'node:worker_threads';
  export default function nodeEndpoint(endpoint: MessagePort | Worker): Endpoint;
}
