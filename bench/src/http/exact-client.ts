/**
 * An HTTP load generator that accounts for every request it sends.
 *
 * `connections` loops each own a keep-alive `http.Agent` with one socket
 * (one connection per loop, as autocannon has) and send `GET` one after the
 * other until `durationMs` has passed; each request ends in exactly one
 * outcome: a status (the whole body was read), an error (the connection was
 * refused, reset or closed before the response ended: the code is kept), or
 * a timeout (no complete response within `timeoutMs`: the request is
 * destroyed, which closes its connection). Nothing is sent after the
 * duration; requests in flight then still get their outcome (at most
 * `timeoutMs` later), so `sent = answered + errors + timeouts` always, and
 * the run checks it.
 */
import { Agent, request } from 'node:http';

export interface ExactOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
}

export interface ExactResult {
  readonly sent: number;
  /** Requests whose response was read to the end, by status. */
  readonly statuses: Readonly<Record<number, number>>;
  readonly answered: number;
  /** Requests that ended in an error, by error code. */
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly timeouts: number;
  /** Latencies of answered requests, ms, sorted. */
  readonly latenciesMs: Float64Array;
  /** From the first request sent until the last outcome, ms. */
  readonly elapsedMs: number;
  /** The sending window, ms (`durationMs`). */
  readonly durationMs: number;
  /** Outcomes reported twice for one request: always 0 unless this client has a bug. */
  readonly doubleOutcomes: number;
}

type Outcome =
  | { readonly kind: 'status'; readonly status: number; readonly ms: number }
  | { readonly kind: 'error'; readonly code: string }
  | { readonly kind: 'timeout' };

export async function runExact(options: ExactOptions): Promise<ExactResult> {
  const target = new URL(options.url);
  const statuses: Record<number, number> = {};
  const errorCodes: Record<string, number> = {};
  let sent = 0;
  let answered = 0;
  let errors = 0;
  let timeouts = 0;
  let doubleOutcomes = 0;
  let latencies = new Float64Array(1 << 16);

  function one(agent: Agent): Promise<Outcome> {
    return new Promise((resolve) => {
      const t0 = performance.now();
      let settled = false;
      let timedOut = false;
      const settle = (outcome: Outcome): void => {
        if (settled) {
          // The request we destroyed on a timeout reports an error afterwards: expected, not a second outcome.
          if (!timedOut) doubleOutcomes++;
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      sent++;
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname + target.search, method: 'GET', agent },
        (res) => {
          res.on('data', () => {});
          res.once('end', () => settle({ kind: 'status', status: res.statusCode ?? 0, ms: performance.now() - t0 }));
          res.once('error', (error: NodeJS.ErrnoException) => settle({ kind: 'error', code: error.code ?? error.message }));
          res.once('close', () => {
            if (!res.complete) settle({ kind: 'error', code: 'response closed before its end' });
          });
        },
      );
      req.once('error', (error: NodeJS.ErrnoException) => settle({ kind: 'error', code: error.code ?? error.message }));
      const timer = setTimeout(() => {
        settle({ kind: 'timeout' });
        timedOut = true;
        req.destroy();
      }, options.timeoutMs);
      req.end();
    });
  }

  function record(outcome: Outcome): void {
    switch (outcome.kind) {
      case 'status':
        answered++;
        statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
        if (answered > latencies.length) {
          const bigger = new Float64Array(latencies.length * 2);
          bigger.set(latencies);
          latencies = bigger;
        }
        latencies[answered - 1] = outcome.ms;
        break;
      case 'error':
        errors++;
        errorCodes[outcome.code] = (errorCodes[outcome.code] ?? 0) + 1;
        break;
      case 'timeout':
        timeouts++;
        break;
    }
  }

  const start = performance.now();
  const end = start + options.durationMs;
  const agents: Agent[] = [];
  const loops: Promise<void>[] = [];
  for (let i = 0; i < options.connections; i++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    loops.push(
      (async () => {
        while (performance.now() < end) {
          const outcome = await one(agent);
          record(outcome);
          // A refused connection fails at once: do not spin the CPU the servers need.
          if (outcome.kind === 'error') await new Promise((r) => setTimeout(r, 1));
        }
      })(),
    );
  }
  await Promise.all(loops);
  const elapsedMs = performance.now() - start;
  for (const agent of agents) agent.destroy();
  const sorted = latencies.slice(0, answered).sort();
  return {
    sent,
    statuses,
    answered,
    errorCodes,
    errors,
    timeouts,
    latenciesMs: sorted,
    elapsedMs,
    durationMs: options.durationMs,
    doubleOutcomes,
  };
}

/** The q-quantile (0..1) of sorted values, nearest rank; NaN when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * The q-quantile over every request sent, a request that was not answered
 * (error or timeout) counting as slower than any answer: `Infinity` when
 * the rank falls among those.
 */
export function quantileOfSent(result: ExactResult, q: number): number {
  if (result.sent === 0) return Number.NaN;
  const rank = Math.min(result.sent - 1, Math.max(0, Math.ceil(q * result.sent) - 1));
  return rank < result.answered ? result.latenciesMs[rank]! : Number.POSITIVE_INFINITY;
}
