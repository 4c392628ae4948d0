/**
 * What a browser must not be able to make the observer do for another site.
 *
 * - Without a token the observer listens on loopback only, and a request
 *   must name a loopback host (`Host: 127.0.0.1:4000`, `localhost`, `[::1]`):
 *   a page whose own name an attacker re-points at 127.0.0.1 (DNS
 *   rebinding) gets 403, reads included.
 * - An action (any method but GET and HEAD) that carries an `Origin` must
 *   come from the observer's own origin: a cross-site form or `fetch` that
 *   a browser sends with the user's network position gets 403. Clients
 *   that are not browsers (the CLI, curl) send no `Origin`.
 */
import type { IncomingMessage } from 'node:http';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why `req` is refused (403), or undefined when it may go on. */
export function refusal(req: IncomingMessage, loopbackOnly: boolean): string | undefined {
  const host = req.headers.host ?? '';
  if (loopbackOnly && !LOOPBACK_NAMES.has(hostName(host))) {
    return `Host ${JSON.stringify(host)} is not a loopback address: the observer answers 127.0.0.1, localhost and [::1] only`;
  }
  const origin = req.headers.origin;
  if (req.method !== 'GET' && req.method !== 'HEAD' && origin !== undefined && origin !== `http://${host}`) {
    return `an action from another origin (${origin}) is refused`;
  }
  return undefined;
}

/** `127.0.0.1:4000` → `127.0.0.1`, `[::1]:4000` → `[::1]`. */
function hostName(host: string): string {
  const colon = host.lastIndexOf(':');
  return colon > host.lastIndexOf(']') ? host.slice(0, colon) : host;
}
