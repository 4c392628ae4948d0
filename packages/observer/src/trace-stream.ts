/**
 * `GET /api/processes/:pid/trace?limit=N`: a process's trace (core's
 * trace.ts) as server-sent events, one `event: trace` per `TraceEvent` with
 * pids in their text form, until its `'end'` (then the stream closes). A
 * client that goes away stops the trace.
 */
import type { ServerResponse } from 'node:http';
import { DEFAULT_TRACE_LIMIT, type Pid, type TraceEvent, formatPid, isTraceEvent } from '@strand/core';
import type { Runtime } from '@strand/pool';
import { jsonSafe } from './json-safe.js';

export function streamTrace(rt: Runtime, pid: Pid, limit: number | undefined, res: ServerResponse, streams: Set<ServerResponse>): void {
  const tracer = rt.inbox();
  rt.trace(pid, { tracer: tracer.pid, limit: limit ?? DEFAULT_TRACE_LIMIT });
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  // Headers now, not with the first event: a client waits for them before it makes the process do anything.
  res.flushHeaders();
  streams.add(res);
  let ended = false;
  res.on('close', () => {
    streams.delete(res);
    if (!ended) rt.trace(pid, { tracer: tracer.pid, limit: 0 });
    tracer.close();
  });
  void (async () => {
    for (;;) {
      const event = await tracer.receive(isTraceEvent);
      // TIMEOUT: the tracer was closed (the client left, or the observer closed).
      if (typeof event !== 'object') return;
      res.write(`event: trace\ndata: ${JSON.stringify(shown(event), jsonSafe)}\n\n`);
      if (event.event === 'end') {
        ended = true;
        res.end();
        return;
      }
    }
  })();
}

/** The event with its pids as `<owner.serial.allocator>` text (the number stays in `id`). */
function shown(event: TraceEvent): Record<string, unknown> {
  const text: Record<string, unknown> = { ...event, pid: formatPid(event.pid), id: event.pid };
  if (event.event === 'send') text.to = formatPid(event.to);
  if (event.event === 'spawn') text.child = formatPid(event.child);
  return text;
}
