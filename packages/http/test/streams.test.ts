// `streams`: exact paths answered on the main thread by a plain Node
// listener (server-sent events), beside routes run by processes; a stop
// closes the open streams.
import { get, type IncomingMessage, type ServerResponse } from 'node:http';
import { InvalidOptionError } from '@strand/core';
import { router, serve } from '@strand/http';
import { afterEach, describe, expect, it } from 'vitest';
import { GetUser } from './fixtures/handlers.js';
import { request, startRuntime, startServer, stopAll } from './support.js';

afterEach(stopAll);

/** Reads a streaming response's text as it arrives; `next(text)` resolves once the body so far contains `text`. */
function reader(response: IncomingMessage) {
  let body = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  response.setEncoding('utf8');
  // A stream has no end of its own: the server closing it is how it ends ('aborted', then 'close').
  response.on('error', () => {});
  response.on('data', (chunk: string) => {
    body += chunk;
    for (const w of waiting.filter((w) => body.includes(w.text))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  });
  return {
    get body() {
      return body;
    },
    next: (text: string) => (body.includes(text) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ text, resolve }))),
  };
}

describe('streams', () => {
  it('answers a stream path by its listener, any query, while routes still run in processes; stop closes the stream', async () => {
    const runtime = await startRuntime();
    const open: ServerResponse[] = [];
    const closed: string[] = [];
    const server = await startServer({
      runtime,
      routes: router().get('/users/:id', GetUser),
      streams: {
        '/events': (req, res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`data: hello ${req.url}\n\n`);
          open.push(res);
          res.on('close', () => closed.push(req.url ?? ''));
        },
      },
    });
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      get(`http://127.0.0.1:${server.port}/events?since=3`, resolve).on('error', reject);
    });
    expect([response.statusCode, response.headers['content-type']]).toEqual([200, 'text/event-stream']);
    const stream = reader(response);
    await stream.next('data: hello /events?since=3\n\n');

    const routed = await request(server.port, '/users/7');
    expect(routed.status).toBe(200);
    expect(JSON.parse(routed.text)).toMatchObject({ route: 'GetUser', params: { id: '7' } });
    expect(server.inFlight).toBe(0);

    open[0]!.write('data: second\n\n');
    await stream.next('data: second\n\n');
    expect(stream.body).toBe('data: hello /events?since=3\n\ndata: second\n\n');

    const ended = new Promise((resolve) => response.once('close', resolve));
    await server.stop(100);
    await ended;
    expect(closed).toEqual(['/events?since=3']);
  });

  it('a path the streams do not name goes to the routes', async () => {
    const runtime = await startRuntime();
    const server = await startServer({
      runtime,
      routes: router().get('/users/:id', GetUser),
      streams: { '/events': (_req, res) => res.end('stream') },
    });
    expect((await request(server.port, '/events/more')).status).toBe(404);
    expect((await request(server.port, '/events')).text).toBe('stream');
  });

  it('refuses a stream path that is not a path, and a listener that is not a function', async () => {
    const runtime = await startRuntime({ schedulers: 1 });
    const routes = router().get('/users/:id', GetUser);
    await expect(serve({ runtime, routes, streams: { events: () => {} } })).rejects.toThrow(InvalidOptionError);
    await expect(serve({ runtime, routes, streams: { '/events?x=1': () => {} } })).rejects.toThrow(InvalidOptionError);
    await expect(serve({ runtime, routes, streams: { '/events': 'no' as never } })).rejects.toThrow(/streams\['\/events'\] must be a function/);
  });
});
