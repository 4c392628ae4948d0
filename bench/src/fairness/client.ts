/**
 * The load client of the fairness benchmark, the same for every server:
 * `node:http` requests, an agent per phase, exactly one outcome recorded per
 * request (ok / timeout / error, or `held` for a long request the client
 * itself ended), every request counted.
 */
import { Agent, request as httpRequest } from 'node:http';

export type Kind = 'ok' | 'timeout' | 'error' | 'held';

export interface Outcome {
  readonly kind: Kind;
  /** Milliseconds from sending the request to the last byte of the answer (or to the failure). */
  readonly ms: number;
  /** When it was sent, in ms since the start of its phase. */
  readonly at: number;
  readonly status?: number;
  readonly detail?: string;
  /** The body of a 200 answer, when asked for with `keepBody`. */
  readonly body?: string;
}

export interface Sent {
  /** Settles once, with the request's one outcome. */
  readonly outcome: Promise<Outcome>;
  /** Resolves once the request is written to a socket. */
  readonly written: Promise<void>;
  /** Ends the request from the client side (its socket is destroyed): outcome `held` unless it already settled. */
  abort(): void;
}

export interface SendOptions {
  readonly port: number;
  readonly path: string;
  readonly agent: Agent;
  /** No timeout when undefined. */
  readonly timeoutMs?: number;
  /** ms since the start of the phase, recorded in the outcome. */
  readonly phaseStart: number;
  /** Checks a 200 answer's body: the outcome is an error when it returns a reason. */
  readonly check?: (body: string) => string | undefined;
  readonly keepBody?: boolean;
}

export function send(options: SendOptions): Sent {
  const t0 = performance.now();
  const at = t0 - options.phaseStart;
  let settle!: (outcome: Outcome) => void;
  let markWritten!: () => void;
  let settled = false;
  const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
  const written = new Promise<void>((resolve) => (markWritten = resolve));
  const finish = (kind: Kind, extra: { status?: number; detail?: string; body?: string } = {}): void => {
    if (settled) return;
    settled = true;
    if (timer !== undefined) clearTimeout(timer);
    markWritten();
    settle({ kind, ms: performance.now() - t0, at, ...extra });
  };
  const req = httpRequest({ host: '127.0.0.1', port: options.port, path: options.path, method: 'GET', agent: options.agent });
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          finish('timeout');
          req.destroy();
        }, options.timeoutMs);
  req.on('finish', markWritten);
  req.on('response', (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => {
      const status = res.statusCode ?? 0;
      const body = Buffer.concat(chunks).toString('utf8');
      if (status !== 200) return finish('error', { status, detail: body.trim().slice(0, 120) });
      const wrong = options.check?.(body);
      if (wrong !== undefined) return finish('error', { status, detail: wrong });
      finish('ok', options.keepBody === true ? { status, body } : { status });
    });
    res.on('error', (error: NodeJS.ErrnoException) => finish('error', { status: res.statusCode ?? 0, detail: error.code ?? error.message }));
  });
  req.on('error', (error: NodeJS.ErrnoException) => finish('error', { detail: error.code ?? error.message }));
  req.on('close', () => finish('error', { detail: 'connection closed before the answer' }));
  req.end();
  return {
    outcome,
    written,
    abort: () => {
      finish('held');
      req.destroy();
    },
  };
}

/** A 200 answer to `GET /factorial?n=N` must be JSON naming N. */
export function answers(n: number): (body: string) => string | undefined {
  return (body) => {
    try {
      const value = JSON.parse(body) as { n?: unknown };
      return value.n === n ? undefined : `answer for n=${String(value.n)}, not ${n}`;
    } catch {
      return `not JSON: ${body.slice(0, 60)}`;
    }
  };
}

/** A keep-alive agent for requests sent one after another. */
export function sequentialAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1 });
}

/** An agent with a connection per request, as many at once as asked. */
export function parallelAgent(): Agent {
  return new Agent({ keepAlive: false, maxSockets: Infinity });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
