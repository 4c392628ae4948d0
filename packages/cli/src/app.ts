/**
 * What an application module gives `strand start`: its default export, made
 * with `defineApp`. The module is loaded in every scheduler thread too (to
 * find its actors), so its top level only defines things: actors, handlers,
 * routes, this spec. It never starts anything itself.
 *
 * ```ts
 * export const Hello = handler(import.meta.url, 'Hello', function* () { return { body: 'hello\n' }; });
 * export default defineApp({ routes: router().get('/', Hello), children: [...] });
 * ```
 */
import type { ChildSpec, SupervisorFlags } from '@strand/otp';
import type { Handler, Router } from '@strand/http';
import { StrandError } from '@strand/core';

export interface AppSpec {
  /** The root supervisor's children, started in order before the HTTP server listens. */
  readonly children?: readonly ChildSpec[];
  readonly flags?: SupervisorFlags;
  /** HTTP routes; `/healthz` and `/readyz` are added. Give this or `handler`, or neither for no HTTP. */
  readonly routes?: Router;
  /** One handler for every request (but `/healthz` and `/readyz`). */
  readonly handler?: Handler;
  /** Default: `PORT` from the environment, else 3000. */
  readonly port?: number;
  /** Default `127.0.0.1`; `0.0.0.0` in a container. */
  readonly host?: string;
  /**
   * Called once the tree is up and the server listens; the application is
   * ready (`/readyz` answers 200, `process.send('ready')` under a
   * supervisor that waits for it) when it resolves.
   */
  readonly ready?: () => Promise<void> | void;
}

/** The application module's export was not made with `defineApp`, or is not an object. */
export class InvalidAppError extends StrandError {
  constructor(message: string) {
    super('ERR_STRAND_INVALID_APP', message);
  }
}

const APP = Symbol.for('strand.app');

/** Marks `spec` as an application for `strand start`; returns it unchanged otherwise. */
export function defineApp(spec: AppSpec): AppSpec {
  if (typeof spec !== 'object' || spec === null) throw new InvalidAppError('defineApp(spec): spec must be an object');
  if (spec.routes !== undefined && spec.handler !== undefined) throw new InvalidAppError('defineApp(spec): give routes or handler, not both');
  return Object.freeze({ ...spec, [APP]: true });
}

/** The `AppSpec` a module exports by default, or a clear error. */
export function appOf(module: string, exports: Record<string, unknown>): AppSpec {
  const spec = exports.default as (AppSpec & { [APP]?: true }) | undefined;
  if (typeof spec !== 'object' || spec === null || spec[APP] !== true) {
    throw new InvalidAppError(`${module} must export default defineApp({ children, routes, ... }) from @strand/cli`);
  }
  return spec;
}
