/**
 * @strand/http: every request handled by a process. See the package README for the contract.
 */
export { handler, type Handler, type HttpRequest, type HttpResponse } from './handler.js';
export { router, Router, InvalidRouteError, METHODS, type Method, type RouteMatch, type RouteOptions } from './router.js';
export { serve, HttpServer, DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, type RequestEnd, type ServeOptions, type StreamListener } from './serve.js';
export { DEFAULT_DEADLINE_MS, DEFAULT_MAX_IN_FLIGHT, RETRIES_ON_LOST_THREAD, RETRY_AFTER_S, type ErrorReport, type GatewayOptions } from './gateway.js';
export { DEFAULT_BODY_LIMIT_BYTES } from './node-exchange.js';
export { strandHandler, type AdapterOptions, type StrandNodeHandler } from './node-adapter.js';
export { strandFetch, CLIENT_CLOSED_REQUEST, type StrandFetchHandler } from './fetch-adapter.js';
