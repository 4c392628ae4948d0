/**
 * @strand/http: every request handled by a process. See the package README for the contract.
 */
export { handler, type Handler, type HttpRequest, type HttpResponse } from './handler.js';
export {
  serve,
  HttpServer,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_DEADLINE_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  RETRY_AFTER_S,
  type ServeOptions,
} from './serve.js';
