/**
 * The application the image runs: `strand start app.ts` (the image's entry
 * point). HOST and PORT come from the environment: 0.0.0.0 in the container,
 * 127.0.0.1 (the default) anywhere else.
 */
import { register } from '@strand/core';
import { type Ask, type From, call, server } from '@strand/otp';
import { handler, router } from '@strand/http';
import { defineApp } from '@strand/cli';

export const Visits = server(import.meta.url, 'Visits', {
  init() {
    register('visits');
    return { ok: 0 };
  },
  handleCall(_request: Ask<'visit', number>, _from: From, n: number) {
    return { reply: n + 1, state: n + 1 };
  },
});

export const Hello = handler(import.meta.url, 'Hello', function* () {
  const n = yield* call<number>('visits', 'visit');
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: `hello, visitor ${n}\n` };
});

export default defineApp({
  children: [{ id: 'visits', start: { actor: Visits, args: [] } }],
  routes: router().get('/', Hello),
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 8080),
});
