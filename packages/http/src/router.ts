/**
 * Routes: which handler runs a request, by method and path, matched on the
 * main thread before any process is spawned. Matching is find-my-way's
 * (Fastify's router): static segments before parameters (`/users/me`
 * before `/users/:id`), parameters (`:id`), wildcards (`*`), decoded
 * parameter values.
 *
 * ```ts
 * const routes = router()
 *   .get('/users/:id', GetUser)        // request.params.id
 *   .post('/users', CreateUser)
 *   .route(['GET', 'PUT'], '/files/*', Files);
 * ```
 *
 * A path no route matches is 404; a path matched for other methods only is
 * 405 with `Allow`. A GET route answers HEAD too (headers only), unless a
 * HEAD route is given.
 */
import FindMyWay from 'find-my-way';
import { StrandError, isActor } from '@strand/core';
import type { Handler } from './handler.js';

/** The methods a route may name. */
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type Method = (typeof METHODS)[number];

/** A route that cannot be: a bad method, pattern or handler, or one declared twice. */
export class InvalidRouteError extends StrandError {
  constructor(message: string) {
    super('ERR_STRAND_INVALID_ROUTE', message);
  }
}

export interface RouteOptions {
  /**
   * Run the request again, once, if its process is lost with its thread
   * (another request stalled it or ran it out of memory). Default: true for
   * GET and HEAD, false otherwise: mark a route so only if running it twice
   * does no harm.
   */
  readonly retryable?: boolean;
}

interface Route {
  readonly pattern: string;
  readonly handler: Handler;
  readonly retryable: boolean | undefined;
}

/** What a request matched. */
export type RouteMatch =
  | {
      readonly found: true;
      /** The route's path pattern, as declared (`/users/:id`). */
      readonly pattern: string;
      readonly handler: Handler;
      readonly params: Readonly<Record<string, string>>;
      /** Undefined: as the method says (see `RouteOptions.retryable`). */
      readonly retryable: boolean | undefined;
    }
  | { readonly found: false; readonly status: 404 }
  | { readonly found: false; readonly status: 405; readonly allow: readonly string[] };

export class Router {
  private readonly table = FindMyWay({ ignoreDuplicateSlashes: false });
  private readonly declared = new Set<Method>();

  get(path: string, handler: Handler, options?: RouteOptions): this {
    return this.route('GET', path, handler, options);
  }

  post(path: string, handler: Handler, options?: RouteOptions): this {
    return this.route('POST', path, handler, options);
  }

  put(path: string, handler: Handler, options?: RouteOptions): this {
    return this.route('PUT', path, handler, options);
  }

  patch(path: string, handler: Handler, options?: RouteOptions): this {
    return this.route('PATCH', path, handler, options);
  }

  delete(path: string, handler: Handler, options?: RouteOptions): this {
    return this.route('DELETE', path, handler, options);
  }

  /** A route for one method or several. Throws `InvalidRouteError` for a bad one. */
  route(methods: Method | readonly Method[], path: string, handler: Handler, options: RouteOptions = {}): this {
    const list = typeof methods === 'string' ? [methods] : methods;
    if (!Array.isArray(list) || list.length === 0 || !list.every((m) => (METHODS as readonly string[]).includes(m))) {
      throw new InvalidRouteError(`route ${JSON.stringify(path)}: methods must be some of ${METHODS.join(', ')}, got ${JSON.stringify(methods)}`);
    }
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new InvalidRouteError(`route ${JSON.stringify(path)}: a path pattern starts with '/'`);
    }
    if (!isActor(handler)) {
      throw new InvalidRouteError(`route ${list.join(',')} ${path}: the handler must be made by handler(import.meta.url, name, function* ...)`);
    }
    for (const method of list) {
      try {
        this.table.on(method, path, () => undefined, { pattern: path, handler, retryable: options.retryable } satisfies Route);
      } catch (error) {
        throw new InvalidRouteError(`route ${method} ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
      this.declared.add(method);
    }
    return this;
  }

  /** The handler and parameters for `method` on `path` (the path as sent, percent-encoded), or why there is none. */
  match(method: string, path: string): RouteMatch {
    const direct = this.find(method, path);
    if (direct !== undefined) return direct;
    if (method === 'HEAD') {
      const get = this.find('GET', path);
      if (get !== undefined) return get;
    }
    const allow = [...this.declared].filter((m) => this.find(m, path) !== undefined);
    if (allow.includes('GET') && !allow.includes('HEAD')) allow.push('HEAD');
    if (allow.length === 0) return { found: false, status: 404 };
    return { found: false, status: 405, allow: allow.sort() };
  }

  private find(method: string, path: string): Extract<RouteMatch, { found: true }> | undefined {
    if (!(METHODS as readonly string[]).includes(method)) return undefined;
    const found = this.table.find(method as Method, path);
    if (found === null) return undefined;
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(found.params)) if (value !== undefined) params[key] = value;
    const route = found.store as Route;
    return { found: true, pattern: route.pattern, handler: route.handler, params, retryable: route.retryable };
  }
}

/** A new, empty set of routes. */
export function router(): Router {
  return new Router();
}
